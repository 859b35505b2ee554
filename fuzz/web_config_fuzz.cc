// Any bytes as an exporter-toolkit web config: the loader must return a
// Status, never throw or crash; a refusal leaves the options as they were,
// and an accepted file yields only what the server can honour.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "semstreams/metric/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  semstreams::metric::ServerOptions options;
  options.path = "/before";
  const auto status = semstreams::metric::LoadWebConfigFromYaml(yaml, "/base", options);
  if (!status.ok()) {
    if (status.message().empty() || options.path != "/before" ||
        options.security.tls.server.enabled || !options.basic_auth_users.empty() ||
        !options.response_headers.empty()) {
      std::abort();
    }
    return 0;
  }
  const auto& tls = options.security.tls.server;
  if (tls.enabled && (tls.cert_file.empty() || tls.key_file.empty())) std::abort();
  if (tls.enabled && tls.min_version != "1.2" && tls.min_version != "1.3") std::abort();
  if (tls.mtls.enabled && tls.mtls.client_ca_files.empty()) std::abort();
  for (const auto& [user, hash] : options.basic_auth_users) {
    if (user.empty() || user.find(':') != std::string::npos || hash.size() != 60 ||
        hash.compare(0, 2, "$2") != 0) {
      std::abort();
    }
  }
  for (const auto& [name, value] : options.response_headers) {
    if (value.find_first_of("\r\n") != std::string::npos) std::abort();
  }
  return 0;
}
