#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace semstreams::metric::testing {

/// \brief How HttpGet talks to the server.
struct HttpRequestOptions {
  /// Extra request headers, e.g. "Accept-Encoding: gzip".
  std::vector<std::string> headers;
  /// Ask for gzip and let libcurl decompress the body.
  bool accept_gzip = false;
  /// Keep the body exactly as sent (no decompression), for checking gzip bytes.
  bool raw_body = false;
  /// Whole-request deadline.
  std::chrono::milliseconds timeout{5000};
  /// PEM of the CA that signed the server certificate ("" = system default).
  std::string ca_file;
  /// Client certificate and key for mTLS ("" = none).
  std::string client_cert;
  std::string client_key;
  /// Highest TLS version offered: "", "1.1", "1.2" or "1.3".
  std::string max_tls;
};

/// \brief What came back; `error` is set when no HTTP response arrived.
struct HttpResponse {
  std::string error;
  long status = 0;
  std::string content_type;
  std::string content_encoding;
  /// Response headers with lower-case names (last value wins).
  std::map<std::string, std::string> headers;
  std::string body;

  /// \brief True when an HTTP response (any status) was received.
  bool ok() const { return error.empty(); }
};

/// \brief A GET of `url` through libcurl.
HttpResponse HttpGet(const std::string& url, const HttpRequestOptions& options = {});

}  // namespace semstreams::metric::testing
