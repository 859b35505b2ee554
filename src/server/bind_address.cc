#include "server/bind_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace semstreams::metric::detail {
namespace {

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}

bool LooksNumeric(const std::string& address) {
  return std::all_of(address.begin(), address.end(),
                     [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

// RFC 952/1123 names: anything else is a typo, and is refused here rather
// than handed to the resolver.
bool IsHostName(const std::string& address) {
  if (address.size() > 253 || !std::isalpha(static_cast<unsigned char>(address.front()))) {
    return false;
  }
  return std::all_of(address.begin(), address.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

}  // namespace

Status ValidateBindAddress(const std::string& address, int port) {
  if (port < 0 || port > 65535) {
    return Invalid("port " + std::to_string(port) + " is outside 0..65535");
  }
  if (address.empty()) return Status::Ok();
  const std::string quoted = "bind address \"" + address + "\"";
  if (address.front() == '[' || address.find(':') != std::string::npos) {
    if (address.front() != '[' || address.back() != ']') {
      return Invalid(quoted + " looks like IPv6: write it in brackets, e.g. \"[::1]\"");
    }
    const std::string inner = address.substr(1, address.size() - 2);
    in6_addr parsed{};
    if (inet_pton(AF_INET6, inner.c_str(), &parsed) != 1) {
      return Invalid(quoted + " is not a valid IPv6 address");
    }
    return Status::Ok();
  }
  if (LooksNumeric(address)) {
    in_addr parsed{};
    if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
      return Invalid(quoted + " is not a valid IPv4 address (four numbers 0..255)");
    }
    return Status::Ok();
  }
  if (!IsHostName(address)) {
    return Invalid(quoted + " is neither an IP address nor a host name");
  }
  return Status::Ok();
}

Status ValidateMetricsPath(const std::string& path) {
  const auto bad_char = std::find_if(path.begin(), path.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '?' || c == '#';
  });
  if (path.empty() || path.front() != '/' || path == "/" || path == "/health" ||
      bad_char != path.end()) {
    return Invalid("metrics path \"" + path +
                   "\" must start with '/', differ from \"/\" and \"/health\", and hold no "
                   "'?', '#', space or control character");
  }
  return Status::Ok();
}

}  // namespace semstreams::metric::detail
