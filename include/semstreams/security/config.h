#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "semstreams/metric/status.h"

namespace semstreams::security {

/// \brief Mutual TLS: which client certificates the server accepts.
struct MTLSConfig {
  bool enabled = false;
  /// PEM files of the CAs that may sign client certificates.
  std::vector<std::string> client_ca_files;
  /// Refuse the handshake when the client sends no certificate.
  bool require_client_cert = false;
  /// Common names allowed to connect; empty means any CN the CAs signed.
  std::vector<std::string> allowed_client_cns;
};

/// \brief TLS for a server. `mode` is "manual" (cert_file/key_file); "acme"
/// is not supported by the metrics server and is refused.
struct ServerTLSConfig {
  bool enabled = false;
  std::string mode = "manual";
  std::string cert_file;
  std::string key_file;
  /// "1.2" or "1.3".
  std::string min_version = "1.2";
  MTLSConfig mtls;
};

/// \brief TLS settings, by role.
struct TLSConfig {
  ServerTLSConfig server;
};

/// \brief The platform security configuration (Go's security.Config).
struct Config {
  TLSConfig tls;
};

/// \brief Parses `json` (the Go struct's JSON form, e.g.
/// {"tls":{"server":{"enabled":true,"cert_file":"..."}}}) into `out`.
/// Unknown fields and wrongly typed values are kInvalidArgument naming the field.
metric::Status LoadConfigFromJson(std::string_view json, Config& out);

/// \brief LoadConfigFromJson on the contents of the file at `path`.
metric::Status LoadConfigFromFile(const std::string& path, Config& out);

}  // namespace semstreams::security
