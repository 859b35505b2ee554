#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "semstreams/security/config.h"

namespace semstreams::security {
namespace {

// "tls.server" + "mtls" -> "tls.server.mtls", the path error messages name.
std::string FieldPath(const std::string& parent, const std::string& key) {
  std::string path;
  path.reserve(parent.size() + 1 + key.size());
  return path.append(parent).append(".").append(key);
}

using metric::ErrorCode;
using metric::Status;
using nlohmann::json;

Status Invalid(const std::string& field, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, field + ": " + what);
}

std::string Expected(const char* type, const json& value) {
  return std::string("expected ") + type + ", got " + value.type_name();
}

// Every reader names the full field path, so a typo deep in a config file
// is reported where it is, not as a generic parse failure.
Status ReadBool(const json& value, const std::string& field, bool& out) {
  if (!value.is_boolean()) return Invalid(field, Expected("boolean", value));
  out = value.get<bool>();
  return Status::Ok();
}

Status ReadString(const json& value, const std::string& field, std::string& out) {
  if (!value.is_string()) return Invalid(field, Expected("string", value));
  out = value.get<std::string>();
  return Status::Ok();
}

Status ReadStrings(const json& value, const std::string& field, std::vector<std::string>& out) {
  if (!value.is_array()) return Invalid(field, Expected("array of strings", value));
  out.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::string item;
    Status status = ReadString(value[i], field + "[" + std::to_string(i) + "]", item);
    if (!status.ok()) return status;
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

// Reads the fields of a JSON object: `read(key, item, path)` returns the status
// of reading a known key and nullopt for an unknown one, which is an error.
template <class Read>
Status ReadObject(const json& value, const std::string& field, Read&& read) {
  if (!value.is_object()) return Invalid(field, Expected("object", value));
  for (const auto& [key, item] : value.items()) {
    const std::string path = FieldPath(field, key);
    const std::optional<Status> status = read(key, item, path);
    if (!status) return Invalid(path, "unknown field");
    if (!status->ok()) return *status;
  }
  return Status::Ok();
}

Status ReadMtls(const json& value, const std::string& field, MTLSConfig& out) {
  return ReadObject(value, field,
                    [&](const std::string& key, const json& item,
                        const std::string& path) -> std::optional<Status> {
                      if (key == "enabled") return ReadBool(item, path, out.enabled);
                      if (key == "client_ca_files") {
                        return ReadStrings(item, path, out.client_ca_files);
                      }
                      if (key == "require_client_cert") {
                        return ReadBool(item, path, out.require_client_cert);
                      }
                      if (key == "allowed_client_cns") {
                        return ReadStrings(item, path, out.allowed_client_cns);
                      }
                      return std::nullopt;
                    });
}

Status ReadServer(const json& value, const std::string& field, ServerTLSConfig& out) {
  return ReadObject(value, field,
                    [&](const std::string& key, const json& item,
                        const std::string& path) -> std::optional<Status> {
                      if (key == "enabled") return ReadBool(item, path, out.enabled);
                      if (key == "mode") return ReadString(item, path, out.mode);
                      if (key == "cert_file") return ReadString(item, path, out.cert_file);
                      if (key == "key_file") return ReadString(item, path, out.key_file);
                      if (key == "min_version") return ReadString(item, path, out.min_version);
                      if (key == "mtls") return ReadMtls(item, path, out.mtls);
                      return std::nullopt;
                    });
}

Status ReadTls(const json& value, const std::string& field, TLSConfig& out) {
  return ReadObject(value, field,
                    [&](const std::string& key, const json& item,
                        const std::string& path) -> std::optional<Status> {
                      if (key == "server") return ReadServer(item, path, out.server);
                      return std::nullopt;
                    });
}

}  // namespace

Status LoadConfigFromJson(std::string_view text, Config& out) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double ("1e999") is an
    // out_of_range thrown from inside the parser (found by fuzzing).
    return Status(ErrorCode::kInvalidArgument, std::string("invalid JSON: ") + e.what());
  }
  if (!root.is_object()) {
    return Status(ErrorCode::kInvalidArgument, "security config: " + Expected("object", root));
  }
  // Parse into a copy so a failed load leaves `out` as it was.
  Config parsed;
  for (const auto& [key, item] : root.items()) {
    Status status = key == "tls" ? ReadTls(item, key, parsed.tls) : Invalid(key, "unknown field");
    if (!status.ok()) return status;
  }
  out = std::move(parsed);
  return Status::Ok();
}

Status LoadConfigFromFile(const std::string& path, Config& out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status(ErrorCode::kInvalidArgument,
                  "cannot read security config " + path + ": " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return Status(ErrorCode::kInvalidArgument, "cannot read security config " + path);
  }
  Status status = LoadConfigFromJson(contents.str(), out);
  if (!status.ok()) return Status(status.code(), path + ": " + status.message());
  return status;
}

}  // namespace semstreams::security
