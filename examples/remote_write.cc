// A service no scraper reaches, sending its metrics to a remote-write
// receiver instead: an edge box behind NAT, a worker in an autoscaled pool.
// It processes simulated readings on a worker thread and a RemoteWriter sends
// the registry every --interval-ms; Ctrl-C (or --duration) stops the worker,
// and Stop() makes one last write so the final counts arrive.
//
//   remote_write --url URL [--protocol 1|2] [--interval-ms MS] [--duration S]
//                [--job NAME] [--instance ID]
//
// Prints "writing to URL" once started. Exits 0 after a clean stop, 1 when
// the last write failed, 2 on a bad command line.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "semstreams/metric.h"

namespace {

namespace metric = semstreams::metric;
using std::chrono::milliseconds;

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop = true; }

struct Flags {
  metric::RemoteWriteOptions writer;
  milliseconds interval{15000};
  std::optional<std::chrono::seconds> duration;
};

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  flags.writer.external_labels = {{"job", "remote_write_example"}, {"instance", "edge-1"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    char* end = nullptr;
    const long number = std::strtol(value.c_str(), &end, 10);
    const bool whole = !value.empty() && *end == '\0' && number > 0;
    if (flag == "--url") {
      flags.writer.url = value;
    } else if (flag == "--job") {
      flags.writer.external_labels["job"] = value;
    } else if (flag == "--instance") {
      flags.writer.external_labels["instance"] = value;
    } else if (flag == "--protocol" && whole) {
      flags.writer.protocol_version = static_cast<int>(number);
    } else if (flag == "--interval-ms" && whole) {
      flags.interval = milliseconds(number);
    } else if (flag == "--duration" && whole) {
      flags.duration = std::chrono::seconds(number);
    } else {
      std::cerr << "remote_write: bad flag or value: " << flag << " " << value << "\n";
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || flags.writer.url.empty()) {
    std::cerr << "usage: remote_write --url URL [--protocol 1|2] [--interval-ms MS]\n"
                 "                    [--duration S] [--job NAME] [--instance ID]\n";
    return std::nullopt;
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) return 2;

  // Native buckets on the core latency histogram: Remote-Write 2.0 carries
  // them as native histograms, beside the classic buckets.
  metric::RegistryOptions options;
  options.core.processing_duration_native_bucket_factor = 1.1;
  const auto registry = metric::NewMetricsRegistry(options);
  const metric::Gauge backlog = metric::NewGauge(
      {.name = "edge_backlog_readings", .help = "Readings received but not processed yet"});
  if (const metric::Status s = registry->RegisterGauge("edge", "backlog_readings", backlog);
      !s.ok()) {
    std::cerr << "remote_write: " << s.ToString() << "\n";
    return 1;
  }

  metric::RemoteWriter writer(registry, flags->writer);
  if (const metric::Status s = writer.Start(flags->interval); !s.ok()) {
    std::cerr << "remote_write: " << s.ToString() << "\n";
    return 2;
  }
  signal(SIGINT, OnStopSignal);
  signal(SIGTERM, OnStopSignal);
  std::cout << "writing to " << flags->writer.url << std::endl;

  metric::CoreMetrics& core = registry->CoreMetrics();
  core.RecordServiceStatus("edge", 2);  // running
  const auto deadline = flags->duration ? std::chrono::steady_clock::now() + *flags->duration
                                        : std::chrono::steady_clock::time_point::max();
  for (long reading = 0; !g_stop && std::chrono::steady_clock::now() < deadline; ++reading) {
    core.RecordMessageReceived("edge", "reading");
    const auto started = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(milliseconds(1 + reading % 7));  // the work
    core.RecordProcessingDuration("edge", "reading", std::chrono::steady_clock::now() - started);
    core.RecordMessageProcessed("edge", "reading", reading % 50 == 0 ? "failed" : "success");
    backlog.Set(static_cast<double>(reading % 13));
  }
  core.RecordServiceStatus("edge", 0);  // stopped

  writer.Stop();  // the last write, with what happened since the previous one
  // Stop() cannot report; a Write() now says whether the receiver has it all.
  if (const metric::Status s = writer.Write(); !s.ok()) {
    std::cerr << "remote_write: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "stopped; the receiver has the final values" << std::endl;
  return 0;
}
