// For the Prometheus 3 end-to-end tests: a counter created when the program
// starts and first incremented --delay seconds later, a native-only
// histogram whose one observation carries an exemplar, and a counter with a
// UTF-8 name and label (svc.requests.served{http.method="GET"} 1). Prints
// "serving metrics at <url>", then "created <unix seconds>", then
// "incremented" once done.
//   late_counter --bind ADDR --port N [--delay SECONDS]
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <thread>

#include "semstreams/metric.h"

int main(int argc, char** argv) {
  namespace metric = semstreams::metric;
  metric::ServerOptions options;
  options.bind_address = "127.0.0.1";
  int delay_seconds = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bind") {
      options.bind_address = argv[i + 1];
    } else if (flag == "--port") {
      options.port = std::atoi(argv[i + 1]);
    } else if (flag == "--delay") {
      delay_seconds = std::atoi(argv[i + 1]);
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }

  const auto created = std::chrono::system_clock::now();
  auto registry = metric::NewMetricsRegistry();
  const metric::Counter events =
      metric::NewCounter({.name = "late_events_total", .help = "Events, the first one late."});
  const metric::Histogram latency = metric::NewHistogram({.name = "late_latency_seconds",
                                                          .help = "Latency, native buckets only.",
                                                          .buckets = {},
                                                          .native_histogram_bucket_factor = 1.1});
  const metric::CounterVec served = metric::NewCounterVec(
      {.name = "svc.requests.served", .help = "Requests served, named as OpenTelemetry would."},
      {"http.method"});
  served.WithLabelValues("GET").Inc();
  if (!registry->RegisterCounter("late", "events", events).ok() ||
      !registry->RegisterHistogram("late", "latency", latency).ok() ||
      !registry->RegisterCounterVec("svc", "served", served).ok()) {
    return 1;
  }
  metric::MetricsServer server(options, registry);
  if (metric::Status s = server.Start(); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  std::cout << "serving metrics at " << server.Address() << std::endl;
  std::cout << "created " << std::fixed << std::setprecision(3)
            << std::chrono::duration<double>(created.time_since_epoch()).count() << std::endl;

  // The delay is what is being tested: nothing waits on anything here.
  std::this_thread::sleep_for(std::chrono::seconds(delay_seconds));
  events.Inc();
  latency.ObserveWithExemplar(0.25, {{"trace_id", "late-trace"}});
  std::cout << "incremented" << std::endl;
  server.Wait();  // until the test stops the process
  return 0;
}
