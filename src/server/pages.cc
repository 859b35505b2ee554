#include "server/pages.h"

#include <ctime>

#include "nlohmann/json.hpp"

namespace semstreams::metric::detail {
namespace {

// The metrics path comes from configuration, so it is escaped rather than
// trusted to be HTML-safe.
std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string Rfc3339Utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[sizeof "2024-01-15T10:30:00Z" + 8];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buffer, n);
}

std::string HealthBody(std::chrono::system_clock::time_point now) {
  // ordered_json keeps "status" first, as Go's encoder writes the struct.
  nlohmann::ordered_json body;
  body["status"] = "healthy";
  body["timestamp"] = Rfc3339Utc(now);
  return body.dump();
}

std::string IndexPage(std::string_view metrics_path) {
  const std::string path = EscapeHtml(metrics_path);
  return "<!DOCTYPE html>\n"
         "<html>\n"
         "<head><meta charset=\"utf-8\"><title>SemStreams Metrics</title></head>\n"
         "<body>\n"
         "<h1>SemStreams Metrics</h1>\n"
         "<ul>\n"
         "<li><a href=\"" +
         path +
         "\">Metrics</a> (Prometheus text format)</li>\n"
         "<li><a href=\"/health\">Health</a></li>\n"
         "</ul>\n"
         "</body>\n"
         "</html>\n";
}

}  // namespace semstreams::metric::detail
