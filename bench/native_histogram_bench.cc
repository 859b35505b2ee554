// Native histogram Observe against our classic Observe, in one run, and the
// memory one native histogram takes at 160 buckets. client_golang 1.14 takes
// 104 ns for a native Observe on this machine where its classic one takes 36.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "detail/cells.h"
#include "semstreams/metric/histogram.h"

// Counts heap allocations, so that a benchmark can report allocations per
// Observe and the bytes a histogram holds. GCC takes the free() in these
// replacements for a mismatch with the operator new it inlines them into.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_allocated_bytes{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_allocated_bytes.fetch_add(size, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace semstreams::metric::bench {
namespace {

// The same values for every variant: 33 distinct ones, so after the first
// lap every native bucket exists.
void ObserveLoop(benchmark::State& state, const Histogram& histogram) {
  double v = 0;
  for (int i = 0; i < 100; ++i) histogram.Observe(v = v > 12 ? 0 : v + 0.37);
  const std::size_t before = g_allocations.load();
  for (auto _ : state) histogram.Observe(v = v > 12 ? 0 : v + 0.37);
  state.counters["allocs_per_op"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()));
}

const Histogram& Classic() {
  static const Histogram histogram = NewHistogram({.name = "classic_seconds", .help = "h"});
  return histogram;
}

// Classic DefBuckets and native buckets together: the default with a factor.
const Histogram& ClassicAndNative() {
  static const Histogram histogram =
      NewHistogram({.name = "native_seconds", .help = "h", .native_histogram_bucket_factor = 1.1});
  return histogram;
}

void BM_Classic_Observe(benchmark::State& state) { ObserveLoop(state, Classic()); }
BENCHMARK(BM_Classic_Observe)->UseRealTime();

void BM_Native_Observe(benchmark::State& state) { ObserveLoop(state, ClassicAndNative()); }
BENCHMARK(BM_Native_Observe)->UseRealTime();

// Pairs of a classic and a classic + native histogram, each allocated after
// a spacer of a different size. Where a histogram's words fall (cache sets,
// offsets within a 4 KiB page) moves its cost by up to half: one extra
// 1-byte allocation before the histograms moved the ratio from 1.35 to 1.62.
// Averaging over many placements measures the code, not one layout.
struct HistogramPairs {
  static constexpr int kPairs = 16;
  HistogramPairs() {
    for (int p = 0; p < kPairs; ++p) {
      spacers.emplace_back(static_cast<std::size_t>(1 + p * 328));
      classic.push_back(NewHistogram({.name = "classic_seconds", .help = "h"}));
      spacers.emplace_back(static_cast<std::size_t>(1 + p * 200));
      native.push_back(NewHistogram(
          {.name = "native_seconds", .help = "h", .native_histogram_bucket_factor = 1.1}));
    }
  }
  std::vector<std::vector<char>> spacers;
  std::vector<Histogram> classic;
  std::vector<Histogram> native;
};

// Classic and classic + native in alternating blocks of 4,096 observations,
// each block timed, each pair of blocks on the next pair of histograms. On a
// shared VM the neighbours' load shifts within milliseconds, so the ratio of
// the two sums is far steadier than the ratio of two benchmarks run seconds
// apart.
void BM_NativeOverClassic_Interleaved(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBlock = 4096;
  static const HistogramPairs pairs;
  double v = 0;
  auto block = [&v](const Histogram& histogram) {
    const auto start = Clock::now();
    for (int i = 0; i < kBlock; ++i) histogram.Observe(v = v > 12 ? 0 : v + 0.37);
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  for (int p = 0; p < HistogramPairs::kPairs; ++p) {
    block(pairs.classic[p]);
    block(pairs.native[p]);
  }
  double classic_ns = 0;
  double native_ns = 0;
  int p = 0;
  for (auto _ : state) {
    classic_ns += block(pairs.classic[p]);
    native_ns += block(pairs.native[p]);
    p = (p + 1) % HistogramPairs::kPairs;
  }
  const double blocks = static_cast<double>(state.iterations()) * kBlock;
  state.counters["classic_ns"] = classic_ns / blocks;
  state.counters["native_ns"] = native_ns / blocks;
  state.counters["ratio"] = native_ns / classic_ns;
}
BENCHMARK(BM_NativeOverClassic_Interleaved)->UseRealTime();

void BM_NativeOnly_Observe(benchmark::State& state) {
  static const Histogram histogram = NewHistogram({.name = "native_only_seconds",
                                                   .help = "h",
                                                   .buckets = {},
                                                   .native_histogram_bucket_factor = 1.1});
  ObserveLoop(state, histogram);
}
BENCHMARK(BM_NativeOnly_Observe)->UseRealTime();

// Heap bytes of a histogram with 160 native buckets (factor 1.1, DefBuckets
// as well), beyond those of the same histogram without native buckets.
void BM_NativeMemory_160Buckets(benchmark::State& state) {
  for (auto _ : state) {
    const std::size_t start = g_allocated_bytes.load();
    auto classic = std::make_unique<detail::HistogramCell>(
        std::make_shared<const std::vector<double>>(DefBuckets()));
    const std::size_t classic_bytes = g_allocated_bytes.load() - start;
    HistogramOpts opts{.native_histogram_bucket_factor = 1.1};
    auto config = detail::MakeNativeHistogramConfig(opts);
    const std::size_t native_start = g_allocated_bytes.load();
    auto native = std::make_unique<detail::HistogramCell>(
        std::make_shared<const std::vector<double>>(DefBuckets()), config);
    // 160 consecutive schema-3 buckets: 2^(k/8) for k in [-80, 80).
    for (int k = -80; k < 80; ++k) native->Observe(std::exp2(k / 8.0) * 0.999);
    const std::size_t native_bytes = g_allocated_bytes.load() - native_start;
    detail::NativeHistogramSnapshot snapshot;
    native->native()->Collect(snapshot);
    std::size_t buckets = 0;
    for (const auto& span : snapshot.positive_spans) buckets += span.length;
    state.counters["buckets"] = static_cast<double>(buckets);
    state.counters["classic_bytes"] = static_cast<double>(classic_bytes);
    state.counters["native_bytes"] = static_cast<double>(native_bytes);
    state.counters["held_bytes"] = static_cast<double>(native->native()->MemoryBytes());
    state.counters["cell_sizeof"] = sizeof(detail::HistogramCell);
  }
}
BENCHMARK(BM_NativeMemory_160Buckets)->Iterations(1);

}  // namespace
}  // namespace semstreams::metric::bench
