// Scraping 10,000 three-label series: our Gather() + TextExposition against
// prometheus-cpp's Registry::Collect() + TextSerializer over the same series,
// and our OpenMetrics exposition of them (client_golang's comes from
// bench/go/openmetrics_bench in the same run).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "detail/snapshot_access.h"
#include "exposition/protobuf_format.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

constexpr int kSeries = 10000;

// Calls f(service, type, status) for kSeries distinct label sets.
template <class F>
void ForEachSeries(F&& f) {
  const int per_service = static_cast<int>(kTypes.size() * kStatuses.size());
  for (int s = 0; s < kSeries / per_service; ++s) {
    char service[32];
    std::snprintf(service, sizeof service, "service-%04d", s);
    for (const auto& type : kTypes) {
      for (const auto& status : kStatuses) f(std::string(service), type, status);
    }
  }
}

void BM_Raw_Scrape10k(benchmark::State& state) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("semstreams_messages_processed_total")
                     .Help("Total number of messages processed")
                     .Register(*registry);
  ForEachSeries(
      [&](const std::string& service, const std::string& type, const std::string& status) {
        family.Add({{"service", service}, {"type", type}, {"status", status}}).Increment(7);
      });
  const prometheus::TextSerializer serializer;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = serializer.Serialize(registry->Collect());
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["series"] = kSeries;
}
BENCHMARK(BM_Raw_Scrape10k)->Unit(benchmark::kMicrosecond)->UseRealTime();

// 10,000 core series rendered by `render(registry)` each iteration.
template <typename Render>
void RenderCoreSeries(benchmark::State& state, Render render) {
  auto registry = NewMetricsRegistry();
  const CounterVec& vec = registry->CoreMetrics().MessagesProcessed;
  ForEachSeries(
      [&](const std::string& service, const std::string& type, const std::string& status) {
        vec.WithLabelValues(service, type, status).Add(7);
      });
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = render(*registry);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["series"] = kSeries;
}

void BM_Ours_Scrape10k(benchmark::State& state) {
  RenderCoreSeries(state, [](const MetricsRegistry& r) { return TextExposition(r.Gather()); });
}
BENCHMARK(BM_Ours_Scrape10k)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Ours_OpenMetrics10k(benchmark::State& state) {
  RenderCoreSeries(state, [](const MetricsRegistry& r) { return OpenMetricsExposition(r); });
}
BENCHMARK(BM_Ours_OpenMetrics10k)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same series as BM_Ours_Scrape10k, snapshot + length-delimited protobuf.
void BM_Ours_Protobuf10k(benchmark::State& state) {
  RenderCoreSeries(state, [](const MetricsRegistry& r) {
    std::string body;
    detail::AppendProtobuf(detail::SnapshotAccess::Take(r), body);
    return body;
  });
}
BENCHMARK(BM_Ours_Protobuf10k)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
