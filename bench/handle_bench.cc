// Operations on pre-resolved handles, each next to the raw prometheus-cpp call.
#include <benchmark/benchmark.h>

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/histogram.h"

namespace semstreams::metric::bench {
namespace {

prometheus::Registry& RawRegistry() {
  static prometheus::Registry registry;
  return registry;
}

void Finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

void BM_Raw_CounterIncrement(benchmark::State& state) {
  static auto& counter = prometheus::BuildCounter()
                             .Name("raw_counter_total")
                             .Help("h")
                             .Register(RawRegistry())
                             .Add({});
  for (auto _ : state) counter.Increment();
  Finish(state);
}
BENCHMARK(BM_Raw_CounterIncrement)->UseRealTime();

void BM_Ours_CounterInc(benchmark::State& state) {
  static const Counter counter = NewCounter({"", "", "our_counter_total", "h", {}});
  for (auto _ : state) counter.Inc();
  Finish(state);
}
BENCHMARK(BM_Ours_CounterInc)->UseRealTime();

void BM_Raw_GaugeSet(benchmark::State& state) {
  static auto& gauge =
      prometheus::BuildGauge().Name("raw_gauge").Help("h").Register(RawRegistry()).Add({});
  double v = 0;
  for (auto _ : state) gauge.Set(v += 1);
  Finish(state);
}
BENCHMARK(BM_Raw_GaugeSet)->UseRealTime();

void BM_Ours_GaugeSet(benchmark::State& state) {
  static const Gauge gauge = NewGauge({"", "", "our_gauge", "h", {}});
  double v = 0;
  for (auto _ : state) gauge.Set(v += 1);
  Finish(state);
}
BENCHMARK(BM_Ours_GaugeSet)->UseRealTime();

// The same histogram is shared by both threads in the 2-thread run, like the
// Go figure it is compared with.
void BM_Raw_HistogramObserve(benchmark::State& state) {
  static auto& histogram = prometheus::BuildHistogram()
                               .Name("raw_seconds")
                               .Help("h")
                               .Register(RawRegistry())
                               .Add({}, prometheus::Histogram::BucketBoundaries{
                                            .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
  double v = 0;
  for (auto _ : state) histogram.Observe(v = v > 12 ? 0 : v + 0.37);
  Finish(state);
}
BENCHMARK(BM_Raw_HistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

void BM_Ours_HistogramObserve(benchmark::State& state) {
  static const Histogram histogram = NewHistogram({"", "", "our_seconds", "h", {}});
  double v = 0;
  for (auto _ : state) histogram.Observe(v = v > 12 ? 0 : v + 0.37);
  Finish(state);
}
BENCHMARK(BM_Ours_HistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
