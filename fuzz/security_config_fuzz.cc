// Any bytes as security JSON: the loader must return a Status, never throw or
// crash, and an accepted config must survive a second load of the same text.
#include <cstdlib>
#include <string_view>

#include "semstreams/security/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  semstreams::security::Config first;
  const auto status = semstreams::security::LoadConfigFromJson(json, first);
  if (status.ok()) {
    semstreams::security::Config second;
    if (!semstreams::security::LoadConfigFromJson(json, second).ok()) std::abort();
    if (first.tls.server.enabled != second.tls.server.enabled ||
        first.tls.server.cert_file != second.tls.server.cert_file) {
      std::abort();
    }
  }
  return 0;
}
