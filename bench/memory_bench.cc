// Resident memory per three-label series: the RSS growth over 100,000 new
// series divided by 100,000. Run each benchmark in a process of its own
// (bench/run does) so that one's freed memory does not flatter the other.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "semstreams/metric/vec.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

constexpr int kSeries = 100000;

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string ServiceName(int i) {
  char service[32];
  std::snprintf(service, sizeof service, "service-%05d", i / 8);
  return service;
}

void BM_Raw_BytesPerSeries(benchmark::State& state) {
  for (auto _ : state) {
    auto registry = std::make_shared<prometheus::Registry>();
    auto& family = prometheus::BuildCounter().Name("m_total").Help("h").Register(*registry);
    const double before = ResidentBytes();
    for (int i = 0; i < kSeries; ++i) {
      family
          .Add({{"service", ServiceName(i)},
                {"type", kTypes[i % 4]},
                {"status", kStatuses[(i / 4) % 2]}})
          .Increment();
    }
    state.counters["bytes_per_series"] = (ResidentBytes() - before) / kSeries;
  }
}
BENCHMARK(BM_Raw_BytesPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Ours_BytesPerSeries(benchmark::State& state) {
  for (auto _ : state) {
    const CounterVec vec =
        NewCounterVec({"", "", "m_total", "h", {}}, {"service", "type", "status"});
    const double before = ResidentBytes();
    for (int i = 0; i < kSeries; ++i) {
      vec.WithLabelValues(ServiceName(i), kTypes[i % 4], kStatuses[(i / 4) % 2]).Inc();
    }
    state.counters["bytes_per_series"] = (ResidentBytes() - before) / kSeries;
  }
}
BENCHMARK(BM_Ours_BytesPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace semstreams::metric::bench
