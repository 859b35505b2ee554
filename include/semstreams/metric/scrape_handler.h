#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "semstreams/metric/registry.h"

namespace semstreams::metric {

/// \brief The parts of an HTTP request a scrape depends on. Copy them out of
/// whatever HTTP server receives the request.
struct ScrapeRequest {
  /// "GET" or "HEAD"; anything else is answered 405.
  std::string method = "GET";
  /// The Accept header ("" = none): picks the exposition format.
  std::string accept;
  /// The Accept-Encoding header ("" = none): gzip when it admits it.
  std::string accept_encoding;
  /// X-Prometheus-Scrape-Timeout-Seconds ("" = none): bounds the scrape.
  std::string scrape_timeout_seconds;
};

/// \brief What to send back: status, headers and body, ready for any HTTP server.
struct ScrapeResponse {
  int status = 200;
  /// Content-Type, Content-Encoding, Vary, Allow; Content-Length only for
  /// HEAD (the size a GET would get), since the server frames the body.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Empty for HEAD (headers still describe the body a GET would get).
  std::string body;
};

/// \brief How a ScrapeHandler answers (promhttp's HandlerOpts).
struct HandlerOptions {
  /// Answer scrapers that ask for OpenMetrics in OpenMetrics 1.0, exemplars
  /// included; when false, text or protobuf only.
  bool enable_openmetrics = true;
  /// Write OpenMetrics `_created` samples for counters and histograms.
  bool openmetrics_created = false;
  /// Most scrapes served at once; one over it gets 503 at once. 0: no limit.
  int max_requests_in_flight = 0;
  /// Longest a scrape may take; a scraper's shorter
  /// X-Prometheus-Scrape-Timeout-Seconds wins. A scrape that ends past its
  /// deadline is answered 503 instead of a late body. 0: only the header bounds it.
  std::chrono::milliseconds timeout{0};
};

/// \brief The C++ promhttp.HandlerFor: turns a scrape request into a response
/// for `registry` (content negotiation, gzip, the scrape deadline and the
/// in-flight limit). It knows nothing of sockets, so a service that runs its
/// own HTTP server (Beast, Drogon, a gRPC gateway) serves /metrics through it,
/// as MetricsServer does.
///
/// The class is thread-safe. No concurrent call to any API of this type causes
/// a data race. Copies share one in-flight count.
class ScrapeHandler {
 public:
  /// \brief Serves `registry`; a null registry answers every scrape 500.
  explicit ScrapeHandler(std::shared_ptr<const MetricsRegistry> registry,
                         HandlerOptions options = {});

  /// \brief Builds the answer on the calling thread. Never throws: a failure
  /// to gather is a 500 naming the cause.
  ScrapeResponse Serve(const ScrapeRequest& request) const;

  /// \brief The options this handler was made with.
  const HandlerOptions& Options() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace semstreams::metric
