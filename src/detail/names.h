#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "detail/utf8.h"

namespace semstreams::metric::detail {

namespace names_internal {

enum : unsigned char {
  kLabelStart = 1,
  kLabelChar = 2,
  kMetricStart = 4,
  kMetricChar = 8,
};

// One table lookup a byte: exemplar labels are checked on the recording path.
inline constexpr std::array<unsigned char, 256> kCharClass = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    unsigned char bits = 0;
    if (letter) bits |= kLabelStart | kLabelChar | kMetricStart | kMetricChar;
    if (digit) bits |= kLabelChar | kMetricChar;
    if (c == ':') bits |= kMetricStart | kMetricChar;
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}();

inline bool IsValidName(std::string_view name, unsigned char start, unsigned char rest) {
  const auto is = [](char c, unsigned char bits) {
    return (kCharClass[static_cast<unsigned char>(c)] & bits) != 0;
  };
  if (name.empty() || !is(name[0], start)) return false;
  for (const char c : name) {
    if (!is(c, rest)) return false;
  }
  return true;
}

}  // namespace names_internal

/// [a-zA-Z_:][a-zA-Z0-9_:]*, the metric names Go's client accepts.
inline bool IsValidMetricName(std::string_view name) {
  return names_internal::IsValidName(name, names_internal::kMetricStart,
                                     names_internal::kMetricChar);
}

/// The suffix of a counter's samples in OpenMetrics.
inline constexpr std::string_view kTotalSuffix = "_total";

/// A counter's name as OpenMetrics types its family: without `_total`.
inline std::string_view CounterFamilyName(std::string_view name) {
  if (name.size() > kTotalSuffix.size() &&
      name.substr(name.size() - kTotalSuffix.size()) == kTotalSuffix) {
    name.remove_suffix(kTotalSuffix.size());
  }
  return name;
}

/// A name Prometheus 3 and client_golang >= 1.21 accept for a metric or a
/// label: any non-empty valid UTF-8 ("http.server.request.duration").
/// Scrapers that do not allow UTF-8 get it escaped.
inline bool IsValidUtf8Name(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

/// [a-zA-Z_][a-zA-Z0-9_]*, the label names Go's client accepts (whether
/// "__"-prefixed names are reserved is the caller's rule).
inline bool IsValidLabelName(std::string_view name) {
  return names_internal::IsValidName(name, names_internal::kLabelStart, names_internal::kLabelChar);
}

}  // namespace semstreams::metric::detail
