#include "exposition/escape.h"

#include <charconv>
#include <cmath>

#include "detail/utf8.h"

namespace semstreams::metric::detail {

void AppendDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
  }
}

void AppendUint(std::uint64_t v, std::string& out) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

void AppendEscaped(std::string_view text, bool quote, std::string& out) {
  std::size_t clean_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* replacement = nullptr;
    if (static_cast<unsigned char>(c) >= 0x80) {
      const std::size_t length = Utf8SequenceLength(text, i);
      if (length != 0) {
        i += length - 1;
        continue;
      }
      replacement = kReplacementCharacter.data();
    } else if (c == '\\') {
      replacement = "\\\\";
    } else if (c == '\n') {
      replacement = "\\n";
    } else if (quote && c == '"') {
      replacement = "\\\"";
    } else {
      continue;
    }
    out.append(text.data() + clean_from, i - clean_from);
    out += replacement;
    clean_from = i + 1;
  }
  out.append(text.data() + clean_from, text.size() - clean_from);
}

}  // namespace semstreams::metric::detail
