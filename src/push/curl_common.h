#pragma once

#include <cstddef>

namespace semstreams::metric::detail {

/// A receiver's error page is for a human reading the Status, not for storage.
inline constexpr std::size_t kMaxBodyInMessage = 1024;

/// curl_global_init, once: libcurl wants it before the first handle.
void InitCurlOnce();

/// A CURLOPT_WRITEFUNCTION appending to the std::string at `out` up to
/// kMaxBodyInMessage bytes; later bytes are read and dropped.
std::size_t AppendBoundedBody(char* data, std::size_t size, std::size_t count, void* out);

}  // namespace semstreams::metric::detail
