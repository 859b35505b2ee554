#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace semstreams::metric::detail {

/// ASCII case-insensitive equality, as HTTP compares header names, schemes
/// and content codings.
inline bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// Whether `text` starts with `prefix`, ignoring ASCII case.
inline bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoringCase(text.substr(0, prefix.size()), prefix);
}

/// RFC 9110's token: what a header name is made of (visible ASCII but the
/// separators).
inline bool IsHttpToken(std::string_view name) {
  constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={} \t";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && kSeparators.find(c) == std::string_view::npos;
  });
}

/// Whether `value` can go in a header field: no CR, LF or NUL, which would
/// end the field or the head early.
inline bool IsHttpFieldValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace semstreams::metric::detail
