// What series_ttl costs a recording: the same child recorded through a vector
// with a ttl and through one without, interleaved so both see the same load.
#include <benchmark/benchmark.h>

#include <chrono>

#include "semstreams/metric/vec.h"

namespace semstreams::metric::bench {
namespace {

CounterVec Vec(std::chrono::nanoseconds ttl) {
  return NewCounterVec(
      {.name = "peer_requests_total", .help = "Requests by peer.", .series_ttl = ttl},
      {"peer", "method"});
}

// A lookup and an increment, as most call sites record.
void WithLabelValuesInc(benchmark::State& state, std::chrono::nanoseconds ttl) {
  const CounterVec vec = Vec(ttl);
  for (auto _ : state) vec.WithLabelValues("10.0.0.7:4222", "publish").Inc();
  state.SetItemsProcessed(state.iterations());
}
void BM_NoTtl_WithLabelValuesInc(benchmark::State& state) { WithLabelValuesInc(state, {}); }
void BM_Ttl_WithLabelValuesInc(benchmark::State& state) {
  WithLabelValuesInc(state, std::chrono::minutes(5));
}
BENCHMARK(BM_NoTtl_WithLabelValuesInc)->UseRealTime();
BENCHMARK(BM_Ttl_WithLabelValuesInc)->UseRealTime();

// An increment through a handle kept from one lookup.
void KeptChildInc(benchmark::State& state, std::chrono::nanoseconds ttl) {
  const CounterVec vec = Vec(ttl);
  const Counter child = vec.WithLabelValues("10.0.0.7:4222", "publish");
  for (auto _ : state) child.Inc();
  state.SetItemsProcessed(state.iterations());
}
void BM_NoTtl_KeptChildInc(benchmark::State& state) { KeptChildInc(state, {}); }
void BM_Ttl_KeptChildInc(benchmark::State& state) { KeptChildInc(state, std::chrono::minutes(5)); }
BENCHMARK(BM_NoTtl_KeptChildInc)->UseRealTime();
BENCHMARK(BM_Ttl_KeptChildInc)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
