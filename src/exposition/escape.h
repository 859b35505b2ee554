#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// Appends `v` in the shortest form that reads back exactly; NaN, +Inf and
/// -Inf as the Prometheus formats spell them.
void AppendDouble(double v, std::string& out);

/// Appends `v` in decimal.
void AppendUint(std::uint64_t v, std::string& out);

/// Escapes backslash and newline, plus the double quote when `quote` is set,
/// and replaces bytes that are not UTF-8 with U+FFFD: a parser rejects a
/// whole scrape over one invalid value.
void AppendEscaped(std::string_view text, bool quote, std::string& out);

}  // namespace semstreams::metric::detail
