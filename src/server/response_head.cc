#include "server/response_head.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <ostream>  // boost/core/detail/string_view.hpp uses it without including it

#include "detail/http_text.h"

namespace semstreams::metric::detail {
namespace {

namespace http = boost::beast::http;

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string ResponseHead(const Framing& framing, const HeaderList& headers,
                         const HeaderList& extra) {
  std::string out;
  out.reserve(256);
  out.append(framing.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(framing.status)).append(" ");
  const auto reason =
      http::obsolete_reason(http::int_to_status(static_cast<unsigned>(framing.status)));
  out.append(reason.data(), reason.size()).append("\r\n");
  bool length_given = false;
  for (const auto& [name, value] : headers) {
    length_given = length_given || boost::beast::iequals(name, "Content-Length");
    AppendField(out, name, value);
  }
  if (!length_given) AppendField(out, "Content-Length", std::to_string(framing.content_length));
  for (const auto& [name, value] : extra) AppendField(out, name, value);
  AppendField(out, "Cache-Control", "no-store");
  AppendField(out, "Date", framing.date);
  // HTTP/1.1 keeps connections unless told; HTTP/1.0 closes them unless told.
  if (framing.version == 10 && framing.keep_alive) AppendField(out, "Connection", "keep-alive");
  if (framing.version != 10 && !framing.keep_alive) AppendField(out, "Connection", "close");
  out.append("\r\n");
  return out;
}

std::string HeaderFieldError(std::string_view name, std::string_view value) {
  if (name.empty()) return "a response header has an empty name";
  if (!IsHttpToken(name)) {
    return "response header name \"" + std::string(name) + "\" is not an HTTP token";
  }
  if (!IsHttpFieldValue(value)) {
    return "response header " + std::string(name) + " has a CR, LF or NUL in its value";
  }
  return "";
}

}  // namespace semstreams::metric::detail
