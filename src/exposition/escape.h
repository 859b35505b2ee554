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

/// Length of the valid UTF-8 sequence starting at text[i], or 0 if the bytes
/// there are not one (overlong forms, surrogates and code points past
/// U+10FFFF included), per RFC 3629.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i);

/// Escapes backslash and newline, plus the double quote when `quote` is set,
/// and replaces bytes that are not UTF-8 with U+FFFD: a parser rejects a
/// whole scrape over one invalid value.
void AppendEscaped(std::string_view text, bool quote, std::string& out);

}  // namespace semstreams::metric::detail
