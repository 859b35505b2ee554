// The remote_write e2e test's client: known values, sent by a RemoteWriter.
//
//   remote_write_client URL PROTOCOL              one Write() of the values below
//   remote_write_client URL PROTOCOL SECONDS      Start(1s), an increment every
//                                                 100 ms for SECONDS, then Stop()
//
// Values: rw_test_events_total 7 (exemplar trace_id="rw-trace"),
// rw_test_temperature_celsius 21.5, and the observations 0.05, 0.3, 0.3, 2 in
// rw_test_latency_seconds (buckets 0.1, 0.5, 1) and, native-only,
// rw_test_size_seconds. External labels job="rw-e2e", instance="edge-7".
// Prints "writer threads N" (threads Start() added) in the second form and
// exits 0 when every write succeeded. For https: RW_CA_FILE names the CA to
// verify the receiver with, RW_USER and RW_PASSWORD the basic auth.

#include <dirent.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "semstreams/metric.h"

namespace metric = semstreams::metric;

namespace {

int ThreadCount() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (const dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

bool Check(const metric::Status& s) {
  if (!s.ok()) std::cerr << "remote_write_client: " << s.ToString() << "\n";
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: remote_write_client URL PROTOCOL [SECONDS]\n";
    return 2;
  }
  const auto registry = metric::NewMetricsRegistry();
  const metric::Counter events =
      metric::NewCounter({.name = "rw_test_events_total", .help = "Events seen"});
  const metric::Gauge temperature = metric::NewGauge(
      {.name = "rw_test_temperature_celsius", .help = "Box temperature", .unit = "celsius"});
  const metric::Histogram latency = metric::NewHistogram(
      {.name = "rw_test_latency_seconds", .help = "Latency", .buckets = {0.1, 0.5, 1}});
  const metric::Histogram size = metric::NewHistogram({.name = "rw_test_size_seconds",
                                                       .help = "Native-only latency",
                                                       .buckets = {},
                                                       .native_histogram_bucket_factor = 1.1});
  if (!Check(registry->RegisterCounter("rw", "events", events)) ||
      !Check(registry->RegisterGauge("rw", "temperature", temperature)) ||
      !Check(registry->RegisterHistogram("rw", "latency", latency)) ||
      !Check(registry->RegisterHistogram("rw", "size", size))) {
    return 1;
  }
  events.AddWithExemplar(7, {{"trace_id", "rw-trace"}});
  temperature.Set(21.5);
  for (const double v : {0.05, 0.3, 0.3, 2.0}) {
    latency.Observe(v);
    size.Observe(v);
  }

  metric::RemoteWriteOptions options{
      .url = argv[1],
      .protocol_version = std::atoi(argv[2]),
      .external_labels = {{"job", "rw-e2e"}, {"instance", "edge-7"}}};
  const auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  options.ca_file = env("RW_CA_FILE");
  options.basic_auth_user = env("RW_USER");
  options.basic_auth_password = env("RW_PASSWORD");
  metric::RemoteWriter writer(registry, options);
  if (argc == 3) return Check(writer.Write()) ? 0 : 1;

  // ThreadSanitizer starts a thread of its own with the process's first
  // thread: let that happen before counting.
  std::thread([] {}).join();
  const int before = ThreadCount();
  if (!Check(writer.Start(std::chrono::seconds(1)))) return 1;
  std::cout << "writer threads " << ThreadCount() - before << std::endl;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
  while (std::chrono::steady_clock::now() < end) {
    events.Inc();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the pace, not a wait
  }
  writer.Stop();
  // Every write of the run counted, failed ones too: none may have failed.
  for (const auto& family : registry->Gather()) {
    if (family.name != "semstreams_metric_remote_write_samples_failed_total") continue;
    for (const auto& m : family.metric) {
      if (m.counter.value != 0) {
        std::cerr << "remote_write_client: " << m.counter.value << " samples failed\n";
        return 1;
      }
    }
  }
  return 0;
}
