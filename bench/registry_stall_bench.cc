// Recording latency while another thread registers and unregisters metrics in
// a loop, against the same measurement with nothing else running. Latency is
// timed over batches of kBatch calls to keep the clock's own cost small.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "semstreams/metric/registry.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

constexpr int kBatch = 8;
constexpr int kBatches = 200000;

double P99PerCallNs(CoreMetrics& core) {
  std::vector<double> samples(kBatches);
  for (int b = 0; b < kBatches; ++b) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kBatch; ++i) {
      core.RecordMessageProcessed(kServices[0], kTypes[0], kStatuses[0]);
    }
    const auto stop = std::chrono::steady_clock::now();
    samples[static_cast<std::size_t>(b)] =
        std::chrono::duration<double, std::nano>(stop - start).count() / kBatch;
  }
  auto p99 = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() * 99 / 100);
  std::nth_element(samples.begin(), p99, samples.end());
  return *p99;
}

void RecordLatency(benchmark::State& state, bool churn) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core = registry->CoreMetrics();
  std::atomic<bool> stop{false};
  std::atomic<long> churned{0};
  std::thread registrar;
  if (churn) {
    registrar = std::thread([&] {
      const Counter counter = NewCounter({"", "", "churn_total", "Churned metric", {}});
      while (!stop.load(std::memory_order_relaxed)) {
        if (registry->RegisterCounter("churn", "churn_total", counter).ok()) {
          registry->Unregister("churn", "churn_total");
          churned.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  double p99 = 0;
  for (auto _ : state) p99 = P99PerCallNs(core);
  stop = true;
  if (registrar.joinable()) registrar.join();
  state.counters["p99_ns"] = p99;
  state.counters["registrations"] = static_cast<double>(churned.load());
}

void BM_RecordLatency_Quiet(benchmark::State& state) { RecordLatency(state, false); }
BENCHMARK(BM_RecordLatency_Quiet)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecordLatency_WhileRegistering(benchmark::State& state) { RecordLatency(state, true); }
BENCHMARK(BM_RecordLatency_WhileRegistering)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
