#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace semstreams::metric::fuzz {

/// Splits fuzzer bytes into fields at '\0', so that one input describes a
/// whole metric definition and the fuzzer can mutate each field.
inline std::vector<std::string> Fields(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      fields.emplace_back();
    } else {
      fields.back().push_back(static_cast<char>(data[i]));
    }
  }
  return fields;
}

}  // namespace semstreams::metric::fuzz
