#pragma once

#include <string_view>

namespace semstreams::metric::detail {

// The set of characters is the caller's: each parser trims what the Go code
// it follows trims, and those differ (goautoneg only spaces, for one).

/// `text` without the characters of `chars` at its end.
inline std::string_view TrimEnd(std::string_view text, std::string_view chars) {
  const auto last = text.find_last_not_of(chars);
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

/// `text` without the characters of `chars` at either end.
inline std::string_view Trim(std::string_view text, std::string_view chars) {
  const auto first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return TrimEnd(text.substr(first), chars);
}

}  // namespace semstreams::metric::detail
