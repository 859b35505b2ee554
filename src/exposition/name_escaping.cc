#include "exposition/name_escaping.h"

#include <cstdint>

#include "detail/names.h"
#include "detail/utf8.h"

namespace semstreams::metric::detail {
namespace {

// One code point of `text` at `i` and its length; U+FFFD for a byte that is
// not UTF-8, as Go's range over a string gives.
std::pair<std::uint32_t, std::size_t> DecodeRune(std::string_view text, std::size_t i) {
  const std::size_t length = Utf8SequenceLength(text, i);
  if (length == 0) return {0xFFFD, 1};
  const auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(text[i + k]));
  };
  switch (length) {
    case 1:
      return {byte(0), 1};
    case 2:
      return {(byte(0) & 0x1F) << 6 | (byte(1) & 0x3F), 2};
    case 3:
      return {(byte(0) & 0x0F) << 12 | (byte(1) & 0x3F) << 6 | (byte(2) & 0x3F), 3};
    default:
      return {(byte(0) & 0x07) << 18 | (byte(1) & 0x3F) << 12 | (byte(2) & 0x3F) << 6 |
                  (byte(3) & 0x3F),
              4};
  }
}

// prometheus/common's isValidLegacyRune: `at` is the rune's byte offset.
bool IsLegacyRune(std::uint32_t rune, std::size_t at) {
  return (rune >= 'a' && rune <= 'z') || (rune >= 'A' && rune <= 'Z') || rune == '_' ||
         rune == ':' || (rune >= '0' && rune <= '9' && at > 0);
}

void AppendHex(std::uint32_t value, std::string& out) {
  char digits[8];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[value & 0xF];
    value >>= 4;
  } while (value != 0);
  while (n > 0) out += digits[--n];
}

void EscapeInPlace(std::string& name, NameEscaping scheme) {
  if (!IsValidMetricName(name)) name = EscapeName(name, scheme);
}

}  // namespace

std::string EscapeName(std::string_view name, NameEscaping scheme) {
  if (name.empty() || scheme == NameEscaping::kAllowUtf8) return std::string(name);
  if (scheme != NameEscaping::kDots && IsValidMetricName(name)) return std::string(name);
  std::string out;
  out.reserve(name.size() + 8);
  if (scheme == NameEscaping::kValues) out += "U__";
  for (std::size_t i = 0; i < name.size();) {
    const auto [rune, length] = DecodeRune(name, i);
    const bool legacy = IsLegacyRune(rune, i);
    switch (scheme) {
      case NameEscaping::kUnderscores:
        if (legacy) {
          out.append(name, i, length);
        } else {
          out += '_';
        }
        break;
      case NameEscaping::kDots:
        if (rune == '.') {
          out += "_dot_";
        } else if (legacy && rune != '_') {
          out.append(name, i, length);
        } else {
          out += "__";  // '_' doubled, anything else too
        }
        break;
      case NameEscaping::kValues:
        if (rune == '_') {
          out += "__";
        } else if (legacy) {
          out.append(name, i, length);
        } else {
          out += '_';
          AppendHex(rune, out);
          out += '_';
        }
        break;
      case NameEscaping::kAllowUtf8:
        break;
    }
    i += length;
  }
  return out;
}

void EscapeNames(std::vector<Family>& families, NameEscaping scheme) {
  if (scheme == NameEscaping::kAllowUtf8) return;
  for (Family& family : families) {
    EscapeInPlace(family.name, scheme);
    for (Series& series : family.series) {
      for (Label& label : series.labels) EscapeInPlace(label.name, scheme);
    }
  }
}

}  // namespace semstreams::metric::detail
