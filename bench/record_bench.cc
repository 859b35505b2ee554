// CoreMetrics::Record* and MetricVec::WithLabelValues on existing label sets,
// next to the naive prometheus-cpp path (Family::Add with a label map per call).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "semstreams/metric/registry.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

// Each thread of a multi-threaded run records its own series ("different
// series"), the case that must scale.
const std::string& ServiceFor(const benchmark::State& state) {
  return kServices[static_cast<std::size_t>(state.thread_index()) % kServices.size()];
}

void Finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

void BM_Naive_MessageProcessed(benchmark::State& state) {
  static auto registry = std::make_shared<prometheus::Registry>();
  static auto& family = prometheus::BuildCounter()
                            .Name("semstreams_messages_processed_total")
                            .Help("Total number of messages processed")
                            .Register(*registry);
  const std::string& service = ServiceFor(state);
  for (auto _ : state) {
    family.Add({{"service", service}, {"type", kTypes[0]}, {"status", kStatuses[0]}}).Increment();
  }
  Finish(state);
}
BENCHMARK(BM_Naive_MessageProcessed)->Threads(1)->Threads(2)->UseRealTime();

CoreMetrics& Core() {
  static auto registry = NewMetricsRegistry();
  return registry->CoreMetrics();
}

void BM_Ours_RecordMessageProcessed(benchmark::State& state) {
  CoreMetrics& core = Core();
  const std::string& service = ServiceFor(state);
  for (auto _ : state) core.RecordMessageProcessed(service, kTypes[0], kStatuses[0]);
  Finish(state);
}
BENCHMARK(BM_Ours_RecordMessageProcessed)->Threads(1)->Threads(2)->UseRealTime();

void BM_Ours_WithLabelValuesInc(benchmark::State& state) {
  CoreMetrics& core = Core();
  const std::string& service = ServiceFor(state);
  for (auto _ : state) {
    core.MessagesProcessed.WithLabelValues(service, kTypes[0], kStatuses[0]).Inc();
  }
  Finish(state);
}
BENCHMARK(BM_Ours_WithLabelValuesInc)->Threads(1)->Threads(2)->UseRealTime();

// One benchmark per Record* method: every one must meet the same target.
#define SEMSTREAMS_RECORD_BENCH(name, call)         \
  void BM_Ours_##name(benchmark::State& state) {    \
    CoreMetrics& core = Core();                     \
    const std::string& service = ServiceFor(state); \
    (void)service;                                  \
    for (auto _ : state) core.call;                 \
    Finish(state);                                  \
  }                                                 \
  BENCHMARK(BM_Ours_##name)->Threads(1)->UseRealTime()

using std::chrono::microseconds;
SEMSTREAMS_RECORD_BENCH(RecordServiceStatus, RecordServiceStatus(service, 2));
SEMSTREAMS_RECORD_BENCH(RecordMessageReceived, RecordMessageReceived(service, kTypes[1]));
SEMSTREAMS_RECORD_BENCH(RecordMessagePublished,
                        RecordMessagePublished(service, "semstreams.events.enriched"));
SEMSTREAMS_RECORD_BENCH(RecordProcessingDuration,
                        RecordProcessingDuration(service, "enrich", microseconds(1500)));
SEMSTREAMS_RECORD_BENCH(RecordError, RecordError(service, "validation"));
SEMSTREAMS_RECORD_BENCH(RecordHealthStatus, RecordHealthStatus(service, true));
SEMSTREAMS_RECORD_BENCH(RecordNATSStatus, RecordNATSStatus(true));
SEMSTREAMS_RECORD_BENCH(RecordNATSRTT, RecordNATSRTT(microseconds(830)));
SEMSTREAMS_RECORD_BENCH(RecordNATSReconnect, RecordNATSReconnect());
SEMSTREAMS_RECORD_BENCH(RecordCircuitBreakerState, RecordCircuitBreakerState(0));
SEMSTREAMS_RECORD_BENCH(RecordMessagesProcessed, RecordMessagesProcessed(service, 3));
SEMSTREAMS_RECORD_BENCH(RecordMessagesFailed, RecordMessagesFailed(service, 1));
SEMSTREAMS_RECORD_BENCH(ObserveProcessingDuration, ObserveProcessingDuration(service, 0.015));
SEMSTREAMS_RECORD_BENCH(RecordNATSHealth, RecordNATSHealth(1.0));
SEMSTREAMS_RECORD_BENCH(RecordNATSMessages, RecordNATSMessages("semstreams.events.raw", 5));
SEMSTREAMS_RECORD_BENCH(RecordPanic, RecordPanic(service));

}  // namespace
}  // namespace semstreams::metric::bench
