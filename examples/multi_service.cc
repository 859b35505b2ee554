// Several services sharing one registry, after the Go package doc's
// MetricsRegistrar, "Service-Specific Metrics" and "Example concurrent usage"
// sections: each service receives the registry as a MetricsRegistrar& (so a
// test can hand it a fake), registers its own metrics, and records from
// several threads at once. When every thread has finished, the program checks
// the totals, prints the gathered exposition on stdout and exits 0.
//
//   multi_service | promtool check metrics
//
// Notes go to stderr so that stdout is exactly the Prometheus text format.

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "prometheus/text_serializer.h"
#include "semstreams/metric.h"

namespace {

namespace metric = semstreams::metric;

constexpr int kThreadsPerService = 4;
constexpr int kIterationsPerThread = 1000;

// Prints a failed registration; services keep running without the metric
// rather than refusing to start, as the Go doc's error-handling example does.
void Check(const metric::Status& status, const char* what) {
  if (!status.ok()) std::cerr << "multi_service: " << what << ": " << status.ToString() << "\n";
}

// An HTTP API: request counts by status and method, latency by endpoint.
class ApiService {
 public:
  static constexpr const char* kName = "api-service";

  ApiService(metric::MetricsRegistrar& registrar, metric::CoreMetrics core)
      : core_(std::move(core)) {
    Check(registrar.RegisterCounterVec(kName, "http_requests_total", requests_),
          "api-service http_requests_total");
    Check(registrar.RegisterHistogramVec(kName, "request_duration_seconds", duration_),
          "api-service request_duration_seconds");
  }

  void HandleRequest(int i) {
    const bool found = i % 10 != 0;
    requests_.WithLabelValues(found ? "200" : "404", i % 3 ? "GET" : "POST").Inc();
    duration_.WithLabelValues(found ? "/v1/entities" : "/v1/unknown").Observe(0.0005 * (i % 40));
    core_.RecordMessageReceived(kName, "http");
    core_.RecordMessageProcessed(kName, "http", found ? "success" : "failed");
  }

  double Requests() const {
    return requests_.WithLabelValues("200", "GET").Value() +
           requests_.WithLabelValues("200", "POST").Value() +
           requests_.WithLabelValues("404", "GET").Value() +
           requests_.WithLabelValues("404", "POST").Value();
  }

 private:
  metric::CoreMetrics core_;
  metric::CounterVec requests_ = metric::NewCounterVec(
      {.name = "http_requests_total", .help = "Total HTTP requests by status and method"},
      {"status", "method"});
  metric::HistogramVec duration_ = metric::NewHistogramVec({.name = "request_duration_seconds",
                                                            .help = "Request duration by endpoint",
                                                            .buckets = {.001, .01, .1, 1, 10}},
                                                           {"endpoint"});
};

// A cache: item counts by cache type.
class CacheService {
 public:
  static constexpr const char* kName = "cache-service";

  CacheService(metric::MetricsRegistrar& registrar, metric::CoreMetrics core)
      : core_(std::move(core)) {
    Check(registrar.RegisterGaugeVec(kName, "cache_items", items_), "cache-service cache_items");
  }

  void Put(int i) {
    items_.WithLabelValues(i % 3 ? "entity" : "triple").Inc();
    core_.RecordMessagesProcessed(kName, 1);
  }

  double Items() const {
    return items_.WithLabelValues("entity").Value() + items_.WithLabelValues("triple").Value();
  }

 private:
  metric::CoreMetrics core_;
  metric::GaugeVec items_ = metric::NewGaugeVec(
      {.name = "cache_items", .help = "Number of items in cache by type"}, {"cache_type"});
};

// A database client: query latency and an operations counter (the Go doc's MyService).
class DatabaseService {
 public:
  static constexpr const char* kName = "database-service";

  DatabaseService(metric::MetricsRegistrar& registrar, metric::CoreMetrics core)
      : core_(std::move(core)) {
    Check(registrar.RegisterHistogram(kName, "query_duration_seconds", queries_),
          "database-service query_duration_seconds");
    Check(registrar.RegisterCounter(kName, "operations_total", operations_),
          "database-service operations_total");
  }

  void Query(int i) {
    const double seconds = 0.001 * (i % 50);
    queries_.Observe(seconds);
    operations_.Inc();
    core_.RecordProcessingDuration(kName, "query", std::chrono::duration<double>(seconds));
    if (i % 100 == 99) core_.RecordError(kName, "deadlock_retry");
  }

  double Operations() const { return operations_.Value(); }

 private:
  metric::CoreMetrics core_;
  metric::Histogram queries_ = metric::NewHistogram(
      {.name = "query_duration_seconds", .help = "Time spent executing queries"});
  metric::Counter operations_ =
      metric::NewCounter({.name = "operations_total", .help = "Total operations"});
};

// A websocket gateway: currently open connections.
class WebsocketService {
 public:
  static constexpr const char* kName = "websocket-service";

  WebsocketService(metric::MetricsRegistrar& registrar, metric::CoreMetrics core)
      : core_(std::move(core)) {
    Check(registrar.RegisterGauge(kName, "active_connections", connections_),
          "websocket-service active_connections");
  }

  // Every connection opened here is closed again, so the gauge ends where it began.
  void OpenAndClose() {
    connections_.Inc();
    core_.RecordMessagePublished(kName, "semstreams.ws.events");
    connections_.Dec();
  }

  double Connections() const { return connections_.Value(); }

 private:
  metric::CoreMetrics core_;
  metric::Gauge connections_ = metric::NewGauge(
      {.name = "active_connections", .help = "Number of active client connections"});
};

// Runs `work(i)` kIterationsPerThread times on each of kThreadsPerService threads.
template <class Work>
void Spawn(std::vector<std::thread>& threads, Work work) {
  for (int t = 0; t < kThreadsPerService; ++t) {
    threads.emplace_back([work] {
      for (int i = 0; i < kIterationsPerThread; ++i) work(i);
    });
  }
}

}  // namespace

int main() {
  const std::shared_ptr<metric::MetricsRegistry> registry = metric::NewMetricsRegistry();
  metric::MetricsRegistrar& registrar = *registry;
  metric::CoreMetrics& core = registry->CoreMetrics();

  ApiService api(registrar, core);
  CacheService cache(registrar, core);
  DatabaseService database(registrar, core);
  WebsocketService websocket(registrar, core);

  // A second owner of an already taken key is refused; the Go doc's advice is
  // to log and carry on with the metric that is already there.
  const metric::Counter duplicate =
      metric::NewCounter({.name = "operations_total", .help = "Total operations"});
  if (metric::Status s =
          registrar.RegisterCounter(DatabaseService::kName, "operations_total", duplicate);
      s.code() == metric::ErrorCode::kAlreadyRegistered) {
    std::cerr << "multi_service: database-service.operations_total already registered, "
                 "skipping the duplicate\n";
  } else {
    std::cerr << "multi_service: expected kAlreadyRegistered, got " << s.ToString() << "\n";
    return 1;
  }

  for (const char* service :
       {ApiService::kName, CacheService::kName, DatabaseService::kName, WebsocketService::kName}) {
    core.RecordServiceStatus(service, 2);
    core.RecordHealthStatus(service, true);
  }

  std::vector<std::thread> threads;
  Spawn(threads, [&api](int i) { api.HandleRequest(i); });
  Spawn(threads, [&cache](int i) { cache.Put(i); });
  Spawn(threads, [&database](int i) { database.Query(i); });
  Spawn(threads, [&websocket](int) { websocket.OpenAndClose(); });
  // The Go doc's "Example concurrent usage", verbatim in spirit.
  threads.emplace_back([&core] { core.RecordMessagesProcessed("service-1", 100); });
  threads.emplace_back([&core] { core.RecordMessagesProcessed("service-2", 200); });
  threads.emplace_back([&core] { core.RecordMessagesProcessed("service-3", 300); });
  for (std::thread& thread : threads) thread.join();

  // Recording is lock-free but not lossy: after the joins every total is exact.
  constexpr double kPerService = kThreadsPerService * kIterationsPerThread;
  const bool exact =
      api.Requests() == kPerService && cache.Items() == kPerService &&
      database.Operations() == kPerService && websocket.Connections() == 0 &&
      core.MessagesProcessed.WithLabelValues("service-3", "", "success").Value() == 300;
  if (!exact) {
    std::cerr << "multi_service: lost updates: requests=" << api.Requests()
              << " items=" << cache.Items() << " operations=" << database.Operations()
              << " connections=" << websocket.Connections() << "\n";
    return 1;
  }

  std::cout << prometheus::TextSerializer().Serialize(registry->Gather());
  std::cerr << "multi_service: " << threads.size() << " threads recorded into one registry; "
            << "every total is exact\n";
  return 0;
}
