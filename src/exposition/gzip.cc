#include "exposition/gzip.h"

#include <zlib.h>

#include <cstdlib>

#include "detail/http_text.h"
#include "detail/trim.h"

namespace semstreams::metric::detail {
namespace {

// What std::isspace takes for space in the C locale.
constexpr std::string_view kSpace = " \t\n\v\f\r";

}  // namespace

std::optional<std::string> Gzip(std::string_view data) {
  z_stream stream{};
  // Fastest level: a scrape's text compresses ~10x even so, and the time
  // saved is the scraper's latency.
  constexpr int kGzipWindow = 15 + 16;  // 15-bit window, gzip wrapper
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  const auto written = stream.total_out;
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const auto semicolon = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semicolon), kSpace);
    if (!EqualsIgnoringCase(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view params = Trim(item.substr(semicolon + 1), kSpace);
    if (params.substr(0, 2) == "q=" || params.substr(0, 2) == "Q=") {
      return std::strtod(std::string(params.substr(2)).c_str(), nullptr) > 0;
    }
    return true;
  }
  return false;
}

}  // namespace semstreams::metric::detail
