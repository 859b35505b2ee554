#include "push/curl_common.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <string>

namespace semstreams::metric::detail {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t AppendBoundedBody(char* data, std::size_t size, std::size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  const std::size_t n = size * count;
  if (body->size() < kMaxBodyInMessage) {
    body->append(data, std::min(n, kMaxBodyInMessage - body->size()));
  }
  return n;
}

}  // namespace semstreams::metric::detail
