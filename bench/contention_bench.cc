// One series, many threads: every thread of a run records the SAME series, the
// case of a stream processor's workers all counting "this service, this type,
// success". Each operation runs on 1 and 2 threads; the figure compared is
// wall time per call over all threads (0.5 of the 1-thread figure would be
// perfect scaling). Next to ours: raw prometheus-cpp, and a bare relaxed
// fetch_add on one shared word and on one word per thread (the physical
// limits). bench/go/same_series runs the client_golang loops in the same run.
//
// The OverBaseline benchmarks compare a counter cell's single-thread Inc and
// Add, never contended and striped, with a frozen copy of the cell before
// striping (baseline_counter_cell.h).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "baseline_counter_cell.h"
#include "detail/cells.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/registry.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

void Finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

// Runs both thread counts: the ratio between them is what is measured.
// bench/run interleaves the repetitions of both, so that they see the same
// machine load.
#define SEMSTREAMS_SAME_SERIES_BENCH(name) BENCHMARK(name)->Threads(1)->Threads(2)->UseRealTime()

prometheus::Registry& RawRegistry() {
  static prometheus::Registry registry;
  return registry;
}

// Ours come in pairs: the 2-thread runs record the hot series, the 1-thread
// runs a twin that no two threads ever write, so that a 1-thread run after a
// 2-thread one still measures today's unstriped series.
template <class T>
const T& SeriesFor(const benchmark::State& state, const T& quiet, const T& hot) {
  return state.threads() == 1 ? quiet : hot;
}

template <class Metric, class Opts>
struct Twins {
  explicit Twins(const Opts& opts, Metric (*make)(Opts)) : quiet(make(opts)), hot(make(opts)) {}
  const Metric& For(const benchmark::State& state) const { return SeriesFor(state, quiet, hot); }
  Metric quiet;
  Metric hot;
};

CoreMetrics& Core(const benchmark::State& state) {
  static auto quiet = NewMetricsRegistry();
  static auto hot = NewMetricsRegistry();
  return SeriesFor(state, quiet, hot)->CoreMetrics();
}

// The same value sequence in every histogram benchmark, here and in Go.
double NextObservation(double v) { return v > 12 ? 0 : v + 0.37; }

void ObserveLoop(benchmark::State& state, const Histogram& histogram) {
  double v = 0;
  for (auto _ : state) histogram.Observe(v = NextObservation(v));
  Finish(state);
}

void BM_SameSeries_Ours_CounterInc(benchmark::State& state) {
  static const Twins<Counter, CounterOpts> twins({.name = "same_total", .help = "h"}, NewCounter);
  const Counter& counter = twins.For(state);
  for (auto _ : state) counter.Inc();
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_CounterInc);

void BM_SameSeries_Ours_CounterAdd(benchmark::State& state) {
  static const Twins<Counter, CounterOpts> twins({.name = "same_total", .help = "h"}, NewCounter);
  const Counter& counter = twins.For(state);
  for (auto _ : state) counter.Add(2);
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_CounterAdd);

void BM_SameSeries_Ours_HistogramObserve(benchmark::State& state) {
  static const Twins<Histogram, HistogramOpts> twins({.name = "same_seconds", .help = "h"},
                                                     NewHistogram);
  ObserveLoop(state, twins.For(state));
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_HistogramObserve);

void BM_SameSeries_Ours_NativeObserve(benchmark::State& state) {
  static const Twins<Histogram, HistogramOpts> twins(
      {.name = "same_seconds", .help = "h", .native_histogram_bucket_factor = 1.1}, NewHistogram);
  ObserveLoop(state, twins.For(state));
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_NativeObserve);

void BM_SameSeries_Ours_WithLabelValuesInc(benchmark::State& state) {
  CoreMetrics& core = Core(state);
  for (auto _ : state) {
    core.MessagesProcessed.WithLabelValues(kServices[0], kTypes[0], kStatuses[0]).Inc();
  }
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_WithLabelValuesInc);

void BM_SameSeries_Ours_RecordMessageProcessed(benchmark::State& state) {
  CoreMetrics& core = Core(state);
  for (auto _ : state) core.RecordMessageProcessed(kServices[1], kTypes[1], kStatuses[0]);
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Ours_RecordMessageProcessed);

void BM_SameSeries_Raw_CounterIncrement(benchmark::State& state) {
  static auto& counter = prometheus::BuildCounter()
                             .Name("same_raw_counter_total")
                             .Help("h")
                             .Register(RawRegistry())
                             .Add({});
  for (auto _ : state) counter.Increment();
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Raw_CounterIncrement);

void BM_SameSeries_Raw_HistogramObserve(benchmark::State& state) {
  static auto& histogram = prometheus::BuildHistogram()
                               .Name("same_raw_seconds")
                               .Help("h")
                               .Register(RawRegistry())
                               .Add({}, prometheus::Histogram::BucketBoundaries{
                                            .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
  double v = 0;
  for (auto _ : state) histogram.Observe(v = NextObservation(v));
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Raw_HistogramObserve);

void BM_SameSeries_Atomic_SharedWord(benchmark::State& state) {
  static std::atomic<std::uint64_t> word{0};
  for (auto _ : state) word.fetch_add(1, std::memory_order_relaxed);
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Atomic_SharedWord);

void BM_SameSeries_Atomic_OwnWord(benchmark::State& state) {
  struct alignas(128) Word {
    std::atomic<std::uint64_t> value{0};
  };
  static Word words[2];
  std::atomic<std::uint64_t>& word = words[state.thread_index() % 2].value;
  for (auto _ : state) word.fetch_add(1, std::memory_order_relaxed);
  Finish(state);
}
SEMSTREAMS_SAME_SERIES_BENCH(BM_SameSeries_Atomic_OwnWord);

// One thread: today's cell against the frozen one, each behind a handle like
// Counter's (an out-of-line call through a pointer to the cell).
template <class Cell>
struct CellHandle {
  [[gnu::noinline]] void Inc() const { cell->Inc(); }
  [[gnu::noinline]] void Add(double v) const { cell->Add(v); }
  std::shared_ptr<Cell> cell = std::make_shared<Cell>();
};

// The quiet rows' measure: ours and the frozen cell in alternating blocks of
// 4,096 calls, each block timed, as BM_NativeOverClassic_Interleaved does.
// The host's load shifts within milliseconds; repetitions a second apart
// moved this ratio between 1.02 and 1.23.
template <class Call>
void OverBaseline(benchmark::State& state, bool striped, Call call) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBlock = 4096;
  const CellHandle<detail::CounterCell> ours;
  const CellHandle<BaselineCounterCell> baseline;
  if (striped) ours.cell->StripeNow();
  auto block = [&call](const auto& handle) {
    const auto start = Clock::now();
    for (int i = 0; i < kBlock; ++i) call(handle);
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  double ours_ns = 0;
  double baseline_ns = 0;
  for (auto _ : state) {
    ours_ns += block(ours);
    baseline_ns += block(baseline);
  }
  benchmark::DoNotOptimize(ours.cell->Value() + baseline.cell->Value());
  const double calls = static_cast<double>(state.iterations()) * kBlock;
  state.counters["ours_ns"] = ours_ns / calls;
  state.counters["baseline_ns"] = baseline_ns / calls;
  state.counters["ratio"] = ours_ns / baseline_ns;
}
void BM_QuietOverBaseline_Inc(benchmark::State& state) {
  OverBaseline(state, false, [](const auto& handle) { handle.Inc(); });
}
void BM_QuietOverBaseline_Add(benchmark::State& state) {
  OverBaseline(state, false, [](const auto& handle) { handle.Add(2); });
}
// What a call costs once the cell is striped, on one thread: what each of N
// threads pays when they record the series together.
void BM_StripedOverBaseline_Inc(benchmark::State& state) {
  OverBaseline(state, true, [](const auto& handle) { handle.Inc(); });
}
BENCHMARK(BM_QuietOverBaseline_Inc)->UseRealTime();
BENCHMARK(BM_QuietOverBaseline_Add)->UseRealTime();
BENCHMARK(BM_StripedOverBaseline_Inc)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
