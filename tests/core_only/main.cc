// A service that links semstreams::metric_core alone: it records, gathers and
// serves a scrape through the ScrapeHandler, with no server, TLS, libcurl or
// yaml-cpp in the process. core_only_test.sh checks its output and its ldd.
#include <iostream>
#include <memory>

#include "semstreams/metric/collector.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/scrape_handler.h"

int main() {
  namespace metric = semstreams::metric;
  auto registry = metric::NewMetricsRegistry();
  const metric::CounterVec requests =
      metric::NewCounterVec({.name = "core_only_requests_total", .help = "Requests."}, {"code"});
  requests.WithLabelValues("200").Add(5);
  if (!registry->RegisterCounterVec("core_only", "requests", requests).ok()) return 1;
  auto depth = metric::NewGaugeFunc({.name = "core_only_queue_depth", .help = "Depth."},
                                    [] { return 12.0; });
  if (!registry->RegisterCollector("core_only", "depth", depth).ok()) return 1;
  registry->CoreMetrics().RecordServiceStatus("core_only", 2);

  std::cout << "gathered " << registry->Gather().size() << " families\n";
  const metric::ScrapeHandler handler(registry);
  metric::ScrapeRequest request;
  request.accept = "application/openmetrics-text; version=1.0.0";
  const metric::ScrapeResponse response = handler.Serve(request);
  std::cout << "status " << response.status << "\n" << response.body;
  request.accept_encoding = "gzip";
  for (const auto& [name, value] : handler.Serve(request).headers) {
    if (name == "Content-Encoding") std::cout << "encoding " << value << "\n";
  }
  return 0;
}
