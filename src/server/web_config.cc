#include "semstreams/metric/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace semstreams::metric {
namespace {

Status Invalid(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, "web config: " + message);
}

// Fields exporter-toolkit has that this server cannot honour: refused by
// name rather than ignored, so no one believes a setting is in force.
const std::set<std::string>& UnsupportedTlsFields() {
  static const std::set<std::string> fields = {"cert",
                                               "key",
                                               "client_ca",
                                               "cipher_suites",
                                               "curve_preferences",
                                               "max_version",
                                               "prefer_server_cipher_suites",
                                               "client_allowed_sans"};
  return fields;
}

// exporter-toolkit's list: only security headers, some with fixed values.
const std::map<std::string, std::vector<std::string>>& AllowedHeaders() {
  static const std::map<std::string, std::vector<std::string>> headers = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return headers;
}

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? " (line " + std::to_string(mark.line + 1) + ")" : "";
}

Status RequireMap(const YAML::Node& node, const std::string& field) {
  if (node.IsMap() || node.IsNull()) return Status::Ok();
  return Invalid(field + " must be a mapping" + Where(node));
}

Status ReadString(const YAML::Node& node, const std::string& field, std::string& out) {
  if (!node.IsScalar()) return Invalid(field + " must be a string" + Where(node));
  out = node.Scalar();
  return Status::Ok();
}

std::string Key(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : "<non-scalar>"; }

std::string Resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file.front() == '/' || base_dir.empty()) return file;
  return base_dir + "/" + file;
}

Status ApplyTls(const YAML::Node& tls, const std::string& base_dir, ServerOptions& out) {
  if (Status s = RequireMap(tls, "tls_server_config"); !s.ok() || tls.IsNull()) return s;
  std::string cert_file, key_file, client_auth = "NoClientCert", client_ca_file, min_version;
  for (const auto& entry : tls) {
    const std::string key = Key(entry.first);
    const std::string field = "tls_server_config." + key;
    Status s = Status::Ok();
    if (key == "cert_file") {
      s = ReadString(entry.second, field, cert_file);
    } else if (key == "key_file") {
      s = ReadString(entry.second, field, key_file);
    } else if (key == "client_auth_type") {
      s = ReadString(entry.second, field, client_auth);
    } else if (key == "client_ca_file") {
      s = ReadString(entry.second, field, client_ca_file);
    } else if (key == "min_version") {
      s = ReadString(entry.second, field, min_version);
    } else if (UnsupportedTlsFields().count(key) != 0) {
      return Invalid(field + " is not supported by this server" + Where(entry.first));
    } else {
      return Invalid("unknown field " + field + Where(entry.first));
    }
    if (!s.ok()) return s;
  }
  if (cert_file.empty()) return Invalid("tls_server_config.cert_file is required");
  if (key_file.empty()) return Invalid("tls_server_config.key_file is required");

  security::ServerTLSConfig server;
  server.enabled = true;
  server.mode = "manual";
  server.cert_file = Resolve(base_dir, cert_file);
  server.key_file = Resolve(base_dir, key_file);
  if (min_version.empty() || min_version == "TLS12") {
    server.min_version = "1.2";
  } else if (min_version == "TLS13") {
    server.min_version = "1.3";
  } else if (min_version == "TLS10" || min_version == "TLS11") {
    return Invalid("tls_server_config.min_version " + min_version +
                   " is not supported: this server offers TLS 1.2 and 1.3 only");
  } else {
    return Invalid("tls_server_config.min_version \"" + min_version +
                   "\" is not one of TLS10, TLS11, TLS12, TLS13");
  }
  if (client_auth == "NoClientCert") {
    if (!client_ca_file.empty()) {
      return Invalid(
          "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert");
    }
  } else if (client_auth == "VerifyClientCertIfGiven" ||
             client_auth == "RequireAndVerifyClientCert") {
    if (client_ca_file.empty()) {
      return Invalid("tls_server_config.client_ca_file is required with client_auth_type " +
                     client_auth);
    }
    server.mtls.enabled = true;
    server.mtls.client_ca_files = {Resolve(base_dir, client_ca_file)};
    server.mtls.require_client_cert = client_auth == "RequireAndVerifyClientCert";
  } else if (client_auth == "RequestClientCert" || client_auth == "RequireAnyClientCert") {
    return Invalid("tls_server_config.client_auth_type " + client_auth +
                   " (a client certificate without verification) is not supported");
  } else {
    return Invalid("tls_server_config.client_auth_type \"" + client_auth +
                   "\" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
                   "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
  }
  out.security.tls.server = std::move(server);
  return Status::Ok();
}

Status ApplyHttp(const YAML::Node& http, ServerOptions& out) {
  if (Status s = RequireMap(http, "http_server_config"); !s.ok() || http.IsNull()) return s;
  for (const auto& entry : http) {
    const std::string key = Key(entry.first);
    if (key == "http2") {
      // The server speaks HTTP/1.1 only; either value serves the same.
      if (!entry.second.IsScalar() ||
          (entry.second.Scalar() != "true" && entry.second.Scalar() != "false")) {
        return Invalid("http_server_config.http2 must be true or false" + Where(entry.second));
      }
    } else if (key == "headers") {
      if (Status s = RequireMap(entry.second, "http_server_config.headers"); !s.ok()) return s;
      if (entry.second.IsNull()) continue;
      for (const auto& header : entry.second) {
        const std::string name = Key(header.first);
        const std::string field = "http_server_config.headers." + name;
        const auto allowed = AllowedHeaders().find(name);
        if (allowed == AllowedHeaders().end()) {
          std::string message = field;
          message += ": header \"" + name + "\" can not be configured";
          message += Where(header.first);
          return Invalid(message);
        }
        std::string value;
        if (Status s = ReadString(header.second, field, value); !s.ok()) return s;
        const auto& values = allowed->second;
        if (!values.empty() && std::find(values.begin(), values.end(), value) == values.end()) {
          std::string message = field;
          message += " \"" + value + "\" is not one of ";
          for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) message += ", ";
            message += values[i];
          }
          return Invalid(message);
        }
        if (value.find_first_of("\r\n") != std::string::npos) {
          return Invalid(field + " holds a line break");
        }
        out.response_headers[name] = value;
      }
    } else {
      return Invalid("unknown field http_server_config." + key + Where(entry.first));
    }
  }
  return Status::Ok();
}

bool IsBcryptHash(const std::string& hash) {
  // $2a$, $2b$ or $2y$, a two-digit cost, then 53 characters of salt and hash.
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$' &&
         std::isdigit(static_cast<unsigned char>(hash[4])) &&
         std::isdigit(static_cast<unsigned char>(hash[5])) && hash[6] == '$';
}

Status ApplyUsers(const YAML::Node& users, ServerOptions& out) {
  if (Status s = RequireMap(users, "basic_auth_users"); !s.ok() || users.IsNull()) return s;
  for (const auto& entry : users) {
    const std::string user = Key(entry.first);
    const std::string field = "basic_auth_users." + user;
    if (!entry.first.IsScalar() || user.empty() || user.find(':') != std::string::npos) {
      return Invalid(field + ": a user name must be a non-empty string without ':'" +
                     Where(entry.first));
    }
    std::string hash;
    if (Status s = ReadString(entry.second, field, hash); !s.ok()) return s;
    if (!IsBcryptHash(hash)) {
      return Invalid(field +
                     " is not a bcrypt hash ($2y$..., 60 characters; make one with "
                     "htpasswd -nBC 10 \"\" | tr -d ':')" +
                     Where(entry.second));
    }
    out.basic_auth_users[user] = hash;
  }
  return Status::Ok();
}

}  // namespace

Status LoadWebConfigFromYaml(std::string_view yaml, const std::string& base_dir,
                             ServerOptions& options) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("not valid YAML: ") + e.what());
  }
  if (root.IsNull()) return Status::Ok();  // an empty file configures nothing, as in Go
  if (!root.IsMap()) return Invalid("the document must be a mapping" + Where(root));
  ServerOptions updated = options;
  updated.basic_auth_users.clear();
  updated.response_headers.clear();
  try {
    for (const auto& entry : root) {
      const std::string key = Key(entry.first);
      Status s = Status::Ok();
      if (key == "tls_server_config") {
        s = ApplyTls(entry.second, base_dir, updated);
      } else if (key == "http_server_config") {
        s = ApplyHttp(entry.second, updated);
      } else if (key == "basic_auth_users") {
        s = ApplyUsers(entry.second, updated);
      } else if (key == "rate_limit") {
        s = Invalid("rate_limit is not supported by this server (see max_requests_in_flight)" +
                    Where(entry.first));
      } else {
        s = Invalid("unknown field " + key + Where(entry.first));
      }
      if (!s.ok()) return s;
    }
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("malformed YAML: ") + e.what());
  }
  options = std::move(updated);
  return Status::Ok();
}

Status LoadWebConfig(const std::string& path, ServerOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Invalid("cannot read \"" + path + "\"");
  std::ostringstream text;
  text << file.rdbuf();
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  const Status status =
      LoadWebConfigFromYaml(text.str(), dir.empty() && slash == 0 ? "/" : dir, options);
  if (!status.ok()) {
    return Status(status.code(), status.message() + " (in \"" + path + "\")");
  }
  return Status::Ok();
}

}  // namespace semstreams::metric
