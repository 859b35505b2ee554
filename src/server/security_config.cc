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
// is reported where it is, not as a generic parse failure. One overload per
// type of field, which ReadObject picks by the member's type.
Status Read(const json& value, const std::string& field, bool& out) {
  if (!value.is_boolean()) return Invalid(field, Expected("boolean", value));
  out = value.get<bool>();
  return Status::Ok();
}

Status Read(const json& value, const std::string& field, std::string& out) {
  if (!value.is_string()) return Invalid(field, Expected("string", value));
  out = value.get<std::string>();
  return Status::Ok();
}

Status Read(const json& value, const std::string& field, std::vector<std::string>& out) {
  if (!value.is_array()) return Invalid(field, Expected("array of strings", value));
  out.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::string item;
    Status status = Read(value[i], field + "[" + std::to_string(i) + "]", item);
    if (!status.ok()) return status;
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

// Declared before ReadObject, which calls them: argument-dependent lookup
// would not find them in this unnamed namespace.
Status Read(const json& value, const std::string& field, MTLSConfig& out);
Status Read(const json& value, const std::string& field, ServerTLSConfig& out);
Status Read(const json& value, const std::string& field, TLSConfig& out);

// A key of a JSON object and the member of `Object` it is read into.
template <class Object, class Member>
struct Field {
  const char* key;
  Member Object::*member;
};
// Spelled out for compilers without C++20's deduction for aggregates.
template <class Object, class Member>
Field(const char*, Member Object::*) -> Field<Object, Member>;

// Reads a JSON object into `out`: each key must be one of `fields`.
template <class Object, class... Members>
Status ReadObject(const json& value, const std::string& field, Object& out,
                  Field<Object, Members>... fields) {
  if (!value.is_object()) return Invalid(field, Expected("object", value));
  for (const auto& [key, item] : value.items()) {
    const std::string path = FieldPath(field, key);
    std::optional<Status> status;
    // The first field named `key` reads the item; || stops there.
    static_cast<void>(
        ((key == fields.key && (status = Read(item, path, out.*fields.member), true)) || ...));
    if (!status) return Invalid(path, "unknown field");
    if (!status->ok()) return *status;
  }
  return Status::Ok();
}

Status Read(const json& value, const std::string& field, MTLSConfig& out) {
  return ReadObject(value, field, out, Field{"enabled", &MTLSConfig::enabled},
                    Field{"client_ca_files", &MTLSConfig::client_ca_files},
                    Field{"require_client_cert", &MTLSConfig::require_client_cert},
                    Field{"allowed_client_cns", &MTLSConfig::allowed_client_cns});
}

Status Read(const json& value, const std::string& field, ServerTLSConfig& out) {
  return ReadObject(
      value, field, out, Field{"enabled", &ServerTLSConfig::enabled},
      Field{"mode", &ServerTLSConfig::mode}, Field{"cert_file", &ServerTLSConfig::cert_file},
      Field{"key_file", &ServerTLSConfig::key_file},
      Field{"min_version", &ServerTLSConfig::min_version}, Field{"mtls", &ServerTLSConfig::mtls});
}

Status Read(const json& value, const std::string& field, TLSConfig& out) {
  return ReadObject(value, field, out, Field{"server", &TLSConfig::server});
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
    Status status = key == "tls" ? Read(item, key, parsed.tls) : Invalid(key, "unknown field");
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
