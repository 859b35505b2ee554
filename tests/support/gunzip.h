#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace semstreams::metric::testing {

/// A gzip member inflated by zlib, and how many bytes of the input it took.
struct Inflated {
  std::string bytes;
  std::size_t consumed = 0;
};

/// Inflates the gzip member at the start of `from`; nullopt when there is
/// none, it is cut short, or it would inflate past `max_bytes`. What follows
/// the member is left alone (see `consumed`).
inline std::optional<Inflated> Gunzip(std::string_view from,
                                      std::size_t max_bytes = std::size_t{64} << 20) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  // zlib's interface is not const-correct; it does not write the input.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(from.data()));
  stream.avail_in =
      static_cast<uInt>(std::min<std::size_t>(from.size(), std::numeric_limits<uInt>::max()));
  Inflated out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.bytes.append(chunk, sizeof chunk - stream.avail_out);
    if (out.bytes.size() > max_bytes) rc = Z_DATA_ERROR;
  }
  out.consumed = stream.total_in;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace semstreams::metric::testing
