// Recording with an exemplar: Histogram::ObserveWithExemplar and
// Counter::AddWithExemplar on a warm series (the slots exist), next to the
// plain calls, with allocations per call counted by a replaced operator new.
// client_golang's figures come from bench/go/openmetrics_bench in the same run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/histogram.h"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }

namespace semstreams::metric::bench {
namespace {

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

// Runs `record` in the timed loop and reports allocations per call.
template <class F>
void Measure(benchmark::State& state, F&& record) {
  record();  // the series' one allocation of exemplar slots happens here
  const std::size_t before = g_allocations.load();
  for (auto _ : state) record();
  state.counters["allocs_per_op"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
}

Histogram DefaultHistogram() {
  return NewHistogram({"", "", "latency_seconds", "Latency", {}});  // DefBuckets, as Go's
}

void BM_Ours_HistogramObserveWithExemplar(benchmark::State& state) {
  const Histogram histogram = DefaultHistogram();
  Measure(state, [&] { histogram.ObserveWithExemplar(0.042, {{"trace_id", kTraceId}}); });
}
BENCHMARK(BM_Ours_HistogramObserveWithExemplar)->UseRealTime();

void BM_Ours_HistogramObserve(benchmark::State& state) {
  const Histogram histogram = DefaultHistogram();
  Measure(state, [&] { histogram.Observe(0.042); });
}
BENCHMARK(BM_Ours_HistogramObserve)->UseRealTime();

void BM_Ours_CounterAddWithExemplar(benchmark::State& state) {
  const Counter counter = NewCounter({"", "", "requests_total", "Requests", {}});
  Measure(state, [&] { counter.AddWithExemplar(1, {{"trace_id", kTraceId}}); });
}
BENCHMARK(BM_Ours_CounterAddWithExemplar)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
