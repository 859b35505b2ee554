// What one remote write costs the service, against what a scrape of the same
// registry costs it: snapshot, encoding and compression (snappy for remote
// write; the protobuf scrape with and without the gzip Prometheus asks for).
// The network is left out: it is libcurl's either way.
//
// Shape: the 10,000 counter series of scrape_bench plus the core latency
// histogram, classic and native buckets, on 64 series.
#include <benchmark/benchmark.h>
#include <snappy.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "detail/snapshot_access.h"
#include "push/remote_write_encoding.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/scrape_handler.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

constexpr int kCounterSeries = 10000;

std::shared_ptr<MetricsRegistry> Populated() {
  RegistryOptions options;
  options.core.processing_duration_native_bucket_factor = 1.1;
  auto registry = NewMetricsRegistry(options);
  const CoreMetrics& core = registry->CoreMetrics();
  const int per_service = static_cast<int>(kTypes.size() * kStatuses.size());
  for (int s = 0; s < kCounterSeries / per_service; ++s) {
    char service[32];
    std::snprintf(service, sizeof service, "service-%04d", s);
    for (const auto& type : kTypes) {
      for (const auto& status : kStatuses) {
        core.MessagesProcessed.WithLabelValues(service, type, status).Add(7);
      }
      if (s < 16) {
        for (int i = 1; i <= 100; ++i) {
          core.RecordProcessingDuration(service, type, std::chrono::microseconds(i * 137));
        }
      }
    }
  }
  return registry;
}

template <class Body>
void Measure(benchmark::State& state, Body body) {
  const auto registry = Populated();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = body(*registry);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

// As RemoteWriter does: one EncodedWrite and one compressed body, reused.
std::string RemoteWrite(const MetricsRegistry& registry, int version) {
  static thread_local detail::EncodedWrite encoded;
  static thread_local std::string compressed;
  detail::WriteContext context;
  context.external_labels = {{"instance", "edge-1"}, {"job", "edge"}};
  context.timestamp_ms = 1'700'000'000'000;
  const auto snapshot = detail::SnapshotAccess::Take(registry);
  if (version == 1) {
    detail::EncodeWriteRequestV1(snapshot, context, encoded);
  } else {
    detail::EncodeWriteRequestV2(snapshot, context, encoded);
  }
  snappy::Compress(encoded.body.data(), encoded.body.size(), &compressed);
  return compressed;
}

void BM_RemoteWriteV1(benchmark::State& state) {
  Measure(state, [](const MetricsRegistry& r) { return RemoteWrite(r, 1); });
}
BENCHMARK(BM_RemoteWriteV1)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RemoteWriteV2(benchmark::State& state) {
  Measure(state, [](const MetricsRegistry& r) { return RemoteWrite(r, 2); });
}
BENCHMARK(BM_RemoteWriteV2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The scrape as Prometheus 3 asks for it: protobuf first, gzip.
std::string Scrape(const MetricsRegistry& registry, const char* accept_encoding) {
  // Not shared with the registry: the handler keeps it alive through a copy.
  const std::shared_ptr<const MetricsRegistry> unowned(&registry, [](const MetricsRegistry*) {});
  const ScrapeHandler handler(unowned);
  ScrapeRequest request;
  request.accept =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
      "encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.3";
  request.accept_encoding = accept_encoding;
  return handler.Serve(request).body;
}

void BM_ScrapeProtobuf(benchmark::State& state) {
  Measure(state, [](const MetricsRegistry& r) { return Scrape(r, ""); });
}
BENCHMARK(BM_ScrapeProtobuf)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ScrapeProtobufGzip(benchmark::State& state) {
  Measure(state, [](const MetricsRegistry& r) { return Scrape(r, "gzip"); });
}
BENCHMARK(BM_ScrapeProtobufGzip)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
