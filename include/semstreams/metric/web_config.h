#pragma once

#include <string>
#include <string_view>

#include "semstreams/metric/server.h"
#include "semstreams/metric/status.h"

namespace semstreams::metric {

/// \brief Reads the exporter-toolkit web configuration file (what node_exporter
/// takes as --web.config.file) into `options`: tls_server_config (cert_file,
/// key_file, client_auth_type, client_ca_file, min_version), basic_auth_users
/// and http_server_config.headers. Relative file names are resolved against
/// the file's directory. Other fields, and values this server cannot honour,
/// are kInvalidArgument naming the field; `options` is unchanged then.
Status LoadWebConfig(const std::string& path, ServerOptions& options);

/// \brief LoadWebConfig on YAML text; relative file names are resolved
/// against `base_dir` ("" = as written).
Status LoadWebConfigFromYaml(std::string_view yaml, const std::string& base_dir,
                             ServerOptions& options);

}  // namespace semstreams::metric
