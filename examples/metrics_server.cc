// The Go package's "Complete service integration" example as a real program:
// one registry, a MetricsServer, and two simulated services ("ingest" and
// "enricher") plus a NATS client recording every core family and a few
// service-specific metrics until SIGINT/SIGTERM (or --duration) stops them.
//
//   metrics_server [--port N] [--bind ADDR] [--path PATH] [--duration SECONDS]
//                  [--record-for SECONDS] [--native-histograms]
//                  [--web-config FILE] [--security-config FILE] [--series N]
//
// Prints "serving metrics at <url>" on stdout once the port is bound; tests
// read that line. Exits 0 after a clean stop, 1 when the server cannot start,
// 2 on a bad command line.

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "semstreams/metric.h"

namespace {

namespace metric = semstreams::metric;
using namespace std::chrono_literals;

constexpr int kStatusStopped = 0;
constexpr int kStatusStarting = 1;
constexpr int kStatusRunning = 2;
constexpr int kStatusStopping = 3;

struct Flags {
  std::string bind_address = "0.0.0.0";
  int port = 9090;
  std::string path = "/metrics";
  std::optional<double> duration_seconds;
  std::optional<double> record_seconds;
  std::string web_config;
  std::string security_config;
  bool native_histograms = false;
  int series = 0;
};

void PrintUsage(std::ostream& out) {
  out << "usage: metrics_server [--port N] [--bind ADDR] [--path PATH] [--duration SECONDS]\n"
         "                      [--record-for SECONDS] [--native-histograms]\n"
         "                      [--web-config FILE] [--security-config FILE] [--series N]\n"
         "  --port N            TCP port to serve on (default 9090; 0 = any free port)\n"
         "  --bind ADDR         address to bind (default 0.0.0.0)\n"
         "  --path PATH         path of the Prometheus endpoint (default /metrics)\n"
         "  --duration SECONDS  stop by itself after SECONDS (default: run until\n"
         "                      SIGINT or SIGTERM)\n"
         "  --record-for SECONDS  stop recording after SECONDS and keep serving the\n"
         "                      final values (default: record until stopped)\n"
         "  --web-config FILE   exporter-toolkit web configuration (YAML, as node_exporter's\n"
         "                      --web.config.file): TLS, basic auth users, headers\n"
         "  --security-config FILE  the Go security.Config as JSON (TLS and mTLS)\n"
         "  --native-histograms give semstreams_processing_duration_seconds native\n"
         "                      buckets too (protobuf scrapes only)\n"
         "  --series N          N extra series (one counter per label value), so\n"
         "                      /metrics is as large as a busy service's (default 0)\n";
}

// Returns the flags, or nullopt after printing why the command line is wrong.
std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      std::exit(0);
    }
    if (arg == "--native-histograms") {
      flags.native_histograms = true;
      continue;
    }
    // Accept both "--flag value" and "--flag=value".
    std::string_view name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    if (name != "--port" && name != "--bind" && name != "--path" && name != "--duration" &&
        name != "--record-for" && name != "--web-config" && name != "--security-config" &&
        name != "--series") {
      std::cerr << "metrics_server: unknown argument '" << arg << "'\n";
      PrintUsage(std::cerr);
      return std::nullopt;
    }
    if (!value) {
      if (i + 1 >= argc) {
        std::cerr << "metrics_server: " << name << " needs a value\n";
        return std::nullopt;
      }
      value = argv[++i];
    }
    try {
      std::size_t used = 0;
      if (name == "--port") {
        flags.port = std::stoi(*value, &used);
        if (used != value->size() || flags.port < 0 || flags.port > 65535) {
          throw std::invalid_argument("range");
        }
      } else if (name == "--duration") {
        flags.duration_seconds = std::stod(*value, &used);
        if (used != value->size() || *flags.duration_seconds <= 0) {
          throw std::invalid_argument("range");
        }
      } else if (name == "--record-for") {
        flags.record_seconds = std::stod(*value, &used);
        if (used != value->size() || *flags.record_seconds < 0) {
          throw std::invalid_argument("range");
        }
      } else if (name == "--series") {
        flags.series = std::stoi(*value, &used);
        if (used != value->size() || flags.series < 0) throw std::invalid_argument("range");
      } else if (name == "--bind") {
        flags.bind_address = *value;
      } else if (name == "--web-config") {
        flags.web_config = *value;
      } else if (name == "--security-config") {
        flags.security_config = *value;
      } else {
        flags.path = *value;
      }
    } catch (const std::exception&) {
      std::cerr << "metrics_server: invalid value '" << *value << "' for " << name << "\n";
      return std::nullopt;
    }
  }
  return flags;
}

// Lets the worker threads sleep between iterations yet leave at once on stop.
class StopFlag {
 public:
  void Set() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  // Sleeps up to `d`; returns true when stop was requested.
  bool WaitFor(std::chrono::nanoseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [this] { return stopped_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// Service-specific metrics, registered the way a service would register them
// through the MetricsRegistrar interface.
struct ServiceMetrics {
  metric::Counter ingest_operations = metric::NewCounter(
      {.name = "ingest_operations_total", .help = "Total operations performed by ingest"});
  metric::Gauge enricher_queue_depth = metric::NewGauge(
      {.name = "enricher_queue_depth", .help = "Messages waiting in the enricher's queue"});
  metric::HistogramVec enricher_lookup_duration =
      metric::NewHistogramVec({.name = "enricher_lookup_duration_seconds",
                               .help = "Time the enricher spends on one lookup, by source",
                               .buckets = {.001, .0025, .005, .01, .025, .05, .1}},
                              {"source"});

  metric::Status RegisterWith(metric::MetricsRegistrar& registrar) const {
    if (auto s = registrar.RegisterCounter("ingest", "operations_total", ingest_operations);
        !s.ok()) {
      return s;
    }
    if (auto s = registrar.RegisterGauge("enricher", "queue_depth", enricher_queue_depth);
        !s.ok()) {
      return s;
    }
    return registrar.RegisterHistogramVec("enricher", "lookup_duration_seconds",
                                          enricher_lookup_duration);
  }
};

// The "ingest" service: receives raw messages, validates them and publishes
// the valid ones for the enricher.
void RunIngest(metric::CoreMetrics core, ServiceMetrics custom, StopFlag& stop) {
  constexpr std::string_view kService = "ingest";
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> work_ms(0.5, 20.0);
  std::bernoulli_distribution invalid(0.05);
  std::bernoulli_distribution panic(0.002);

  core.RecordServiceStatus(kService, kStatusStarting);
  core.RecordHealthStatus(kService, true);
  core.RecordServiceStatus(kService, kStatusRunning);
  std::uint64_t message = 0;
  while (!stop.WaitFor(20ms)) {
    core.RecordMessageReceived(kService, "sensor.reading");
    // Each message's trace (as a tracer would assign it) becomes the
    // exemplar, so a slow bucket or an error links to the trace behind it.
    char trace_id[33];
    std::snprintf(trace_id, sizeof trace_id, "5eed%028llx",
                  static_cast<unsigned long long>(++message));
    const auto took = std::chrono::duration<double, std::milli>(work_ms(rng));
    core.RecordProcessingDuration(kService, "validate", took, trace_id);
    custom.ingest_operations.Inc();
    if (invalid(rng)) {
      core.RecordMessageProcessed(kService, "sensor.reading", "failed");
      core.RecordError(kService, "validation", trace_id);
      continue;
    }
    core.RecordMessageProcessed(kService, "sensor.reading", "success");
    core.RecordMessagePublished(kService, "semstreams.raw.sensor");
    if (panic(rng)) {
      // A recovered panic in a message handler; the service keeps running.
      core.RecordPanic(kService);
    }
  }
  core.RecordServiceStatus(kService, kStatusStopping);
  core.RecordServiceStatus(kService, kStatusStopped);
}

// The "enricher" service: works in batches and reports them with the
// batch-oriented helpers (RecordMessagesProcessed & co.).
void RunEnricher(metric::CoreMetrics core, ServiceMetrics custom, StopFlag& stop) {
  constexpr std::string_view kService = "enricher";
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> batch_size(5, 25);
  std::uniform_int_distribution<int> failures(0, 2);
  std::uniform_real_distribution<double> lookup_s(0.0005, 0.06);
  std::bernoulli_distribution from_cache(0.7);
  std::bernoulli_distribution timeout(0.03);

  core.RecordServiceStatus(kService, kStatusStarting);
  core.RecordHealthStatus(kService, true);
  core.RecordServiceStatus(kService, kStatusRunning);
  int queue = 0;
  while (!stop.WaitFor(100ms)) {
    const int batch = batch_size(rng);
    const int failed = failures(rng);
    double batch_seconds = 0;
    for (int i = 0; i < batch; ++i) {
      const double s = lookup_s(rng);
      batch_seconds += s;
      custom.enricher_lookup_duration.WithLabelValues(from_cache(rng) ? "cache" : "graph")
          .Observe(s);
    }
    core.RecordMessagesProcessed(kService, batch - failed);
    core.RecordMessagesFailed(kService, failed);
    core.ObserveProcessingDuration(kService, batch_seconds);
    core.RecordProcessingDuration(kService, "enrich", std::chrono::duration<double>(batch_seconds));
    for (int i = 0; i < batch - failed; ++i) {
      core.RecordMessagePublished(kService, "semstreams.enriched.sensor");
    }
    if (timeout(rng)) {
      core.RecordError(kService, "lookup_timeout");
      core.RecordHealthStatus(kService, false);
    } else {
      core.RecordHealthStatus(kService, true);
    }
    queue = std::max(0, queue + batch_size(rng) - batch);
    custom.enricher_queue_depth.Set(queue);
  }
  core.RecordServiceStatus(kService, kStatusStopping);
  core.RecordServiceStatus(kService, kStatusStopped);
}

// The shared NATS connection both services use.
void RunNatsClient(metric::CoreMetrics core, StopFlag& stop) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> rtt_us(300, 4000);
  std::uniform_int_distribution<int> messages(10, 40);
  std::bernoulli_distribution disconnect(0.01);

  core.RecordNATSStatus(true);
  core.RecordCircuitBreakerState(0);
  while (!stop.WaitFor(250ms)) {
    if (disconnect(rng)) {
      // A brief outage: the breaker opens, then half-opens on reconnect.
      core.RecordNATSStatus(false);
      core.RecordCircuitBreakerState(1);
      core.RecordNATSReconnect();
      core.RecordCircuitBreakerState(2);
    }
    core.RecordNATSHealth(1.0);
    core.RecordCircuitBreakerState(0);
    core.RecordNATSRTT(std::chrono::duration<double, std::micro>(rtt_us(rng)));
    core.RecordNATSMessages("semstreams.raw.sensor", messages(rng));
    core.RecordNATSMessages("semstreams.enriched.sensor", messages(rng));
  }
  core.RecordNATSStatus(false);
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) return 2;

  // Block the stop signals before any thread exists (the server's included), so
  // every thread inherits the mask and only the sigwait thread below ever sees
  // them; no work happens in an async signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (int err = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); err != 0) {
    std::cerr << "metrics_server: pthread_sigmask: " << std::strerror(err) << "\n";
    return 1;
  }

  metric::RegistryOptions registry_options;
  if (flags->native_histograms)
    registry_options.core.processing_duration_native_bucket_factor = 1.1;
  const std::shared_ptr<metric::MetricsRegistry> registry =
      metric::NewMetricsRegistry(registry_options);
  ServiceMetrics custom;
  if (metric::Status s = custom.RegisterWith(*registry); !s.ok()) {
    std::cerr << "metrics_server: registering service metrics: " << s.ToString() << "\n";
    return 1;
  }
  // Label values are made once here and never recorded again: the series only
  // give scrapes (and slow readers, tests/http/server_attack_test.cc) a large body.
  const metric::CounterVec padding = metric::NewCounterVec(
      {.name = "padding_series_total", .help = "Extra series asked for with --series"}, {"id"});
  if (flags->series > 0) {
    if (metric::Status s = registry->RegisterCounterVec("example", "padding_series_total", padding);
        !s.ok()) {
      std::cerr << "metrics_server: registering --series: " << s.ToString() << "\n";
      return 1;
    }
    for (int i = 0; i < flags->series; ++i) padding.WithLabelValues(std::to_string(i)).Inc();
  }

  metric::ServerOptions options;
  options.bind_address = flags->bind_address;
  options.port = flags->port;
  options.path = flags->path;
  // The security config first, so a web config's TLS section overrides it.
  if (!flags->security_config.empty()) {
    if (metric::Status s =
            semstreams::security::LoadConfigFromFile(flags->security_config, options.security);
        !s.ok()) {
      std::cerr << "metrics_server: --security-config: " << s.ToString() << "\n";
      return 2;
    }
  }
  if (!flags->web_config.empty()) {
    if (metric::Status s = metric::LoadWebConfig(flags->web_config, options); !s.ok()) {
      std::cerr << "metrics_server: --web-config: " << s.ToString() << "\n";
      return 2;
    }
  }
  metric::MetricsServer server(options, registry);
  if (metric::Status s = server.Start(); !s.ok()) {
    std::cerr << "metrics_server: cannot serve on " << flags->bind_address << ":" << flags->port
              << ": " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "serving metrics at " << server.Address() << std::endl;

  StopFlag stop;
  // Ends the workers: on stop, or earlier with --record-for, after which the
  // final values stay for scrapers to compare (tests/e2e/many_instances_test.sh).
  StopFlag recording;
  std::vector<std::thread> workers;
  workers.emplace_back(RunIngest, registry->CoreMetrics(), custom, std::ref(recording));
  workers.emplace_back(RunEnricher, registry->CoreMetrics(), custom, std::ref(recording));
  workers.emplace_back(RunNatsClient, registry->CoreMetrics(), std::ref(recording));
  if (flags->record_seconds) {
    workers.emplace_back([&] {
      if (!stop.WaitFor(std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::duration<double>(*flags->record_seconds)))) {
        std::cerr << "metrics_server: --record-for elapsed, no longer recording\n";
      }
      recording.Set();
    });
  }

  // The one thread that handles stop signals; with --duration it also gives up
  // waiting after that long, which ends the program the same way.
  std::atomic<int> exit_code{0};
  std::thread signal_thread([&] {
    int sig = 0;
    if (flags->duration_seconds) {
      const auto d = std::chrono::duration<double>(*flags->duration_seconds);
      const auto secs = std::chrono::floor<std::chrono::seconds>(d);
      timespec timeout{static_cast<std::time_t>(secs.count()),
                       static_cast<long>(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(d - secs).count())};
      siginfo_t info;
      do {
        // EINTR restarts with the full timeout, which only makes the run longer.
        sig = sigtimedwait(&stop_signals, &info, &timeout);
      } while (sig < 0 && errno == EINTR);
      if (sig < 0) {
        std::cerr << "metrics_server: --duration elapsed, stopping\n";
      }
    } else if (int err = sigwait(&stop_signals, &sig); err != 0) {
      std::cerr << "metrics_server: sigwait: " << std::strerror(err) << "\n";
    }
    if (sig > 0) std::cerr << "metrics_server: received " << SignalName(sig) << ", stopping\n";
    stop.Set();
    recording.Set();
    if (metric::Status s = server.Stop(); !s.ok()) {
      std::cerr << "metrics_server: stopping the server: " << s.ToString() << "\n";
      exit_code = 1;
    }
  });

  // Go's blocking Start(): main() parks here until the signal thread stops the server.
  server.Wait();
  signal_thread.join();
  for (std::thread& worker : workers) worker.join();
  std::cerr << "metrics_server: stopped\n";
  return exit_code;
}
