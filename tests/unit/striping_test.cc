// Lazy striping of hot cells (src/detail/stripes.h): quiet series, and series
// two threads write slowly, never stripe; two threads writing one series fast
// do; striped cells stay exact, a later read never shows less than an earlier
// one (per reader and across readers ordered by a lock), histograms keep
// _count == +Inf, and Delete/Reset keep handles working.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detail/cells.h"
#include "detail/native_merge.h"
#include "detail/stripes.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/opts.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/vec.h"
#include "support/gather_util.h"
#include "support/run_together.h"

namespace semstreams::metric {
namespace {

using testing::FindFamily;
using testing::FindSeries;
using testing::RunTogether;

std::shared_ptr<const std::vector<double>> Bounds() {
  return std::make_shared<const std::vector<double>>(std::vector<double>{0.25, 0.5, 1});
}

TEST(StripeCountTest, IsAPowerOfTwoCoveringTheHardwareThreadsUpTo64) {
  const std::size_t n = detail::StripeCount();
  EXPECT_EQ(n & (n - 1), 0u);
  EXPECT_GE(n, 2u);
  EXPECT_LE(n, 64u);
  EXPECT_GE(n, std::min<std::size_t>(64, std::thread::hardware_concurrency()));
}

TEST(StripeCountTest, ThreadsRunningAtOnceTakeDistinctStripes) {
  // Threads come and go (here: one after the other, as a benchmark's or a
  // pool's fresh threads do) while this one keeps its stripe.
  const std::size_t mine = detail::ThisThreadStripe();
  for (int round = 0; round < 8; ++round) {
    std::size_t other = 0;
    std::thread([&] { other = detail::ThisThreadStripe(); }).join();
    EXPECT_NE(other, mine) << round;
    EXPECT_LT(other, detail::StripeCount());
  }
  EXPECT_EQ(detail::ThisThreadStripe(), mine);
}

TEST(StripedCellTest, QuietCellsStayUnstriped) {
  detail::CounterCell inc, add, fraction;
  detail::HistogramCell histogram(Bounds());
  for (int i = 0; i < 1000000; ++i) {
    inc.Inc();
    add.Add(3);
    fraction.Add(0.5);
    histogram.Observe(0.3);
  }
  EXPECT_FALSE(inc.Striped());
  EXPECT_FALSE(add.Striped());
  EXPECT_FALSE(fraction.Striped());
  EXPECT_FALSE(histogram.Striped());
  EXPECT_EQ(inc.Value(), 1000000.0);
  EXPECT_EQ(add.Value(), 3000000.0);
}

TEST(StripedCellTest, TwoThreadsWritingSlowlyDoNotStripe) {
  // 2 x 20,000 increments at least 5 us apart: 1024 increments of the pair
  // take >= 2.5 ms, far outside the detector's window.
  detail::CounterCell counter;
  RunTogether(2, [&](int) {
    for (int i = 0; i < 20000; ++i) {
      // From now, not from a schedule: a thread that was descheduled must
      // not catch up in a burst.
      const auto next = std::chrono::steady_clock::now() + std::chrono::microseconds(5);
      while (std::chrono::steady_clock::now() < next) {
      }
      counter.Inc();
    }
  });
  EXPECT_FALSE(counter.Striped());
  EXPECT_EQ(counter.Value(), 40000.0);
}

// True when both threads pass a ball 1000 times within 2 ms: they run on two
// cores at once right now, not time-sliced on one (other builds and tests
// share this machine).
bool RunningInParallel(std::atomic<int>& ball, int t) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  for (int i = 0; i < 1000; ++i) {
    while (ball.load() % 2 != t) {
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
    ball.fetch_add(1);
  }
  return true;
}

// Two threads writing one cell at full speed must make it stripe. Rounds of
// writes, each after a check that the two threads really run at once; the
// test fails only if 20 such rounds (of 10,000 writes a thread, ~1,000
// detector samples in all) did not stripe, and skips if the machine never
// gave the threads two cores. Sanitizers slow each write past the
// detector's window (200 us per 1024 increments of the series), so there
// only the forced path is tested.
template <class Cell, class Write>
void ExpectStripesUnderContention(Cell& cell, Write write) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::atomic<int> parallel_rounds{0};
  for (int round = 0; round < 100000 && !cell.Striped() && parallel_rounds.load() < 20 &&
                      std::chrono::steady_clock::now() < deadline;
       ++round) {
    std::atomic<int> ball{0};
    std::atomic<int> parallel{0};
    RunTogether(2, [&](int t) {
      if (RunningInParallel(ball, t)) parallel.fetch_add(1);
      for (int i = 0; i < 10000; ++i) write();
    });
    if (parallel.load() == 2) parallel_rounds.fetch_add(1);
  }
  if (!cell.Striped() && parallel_rounds.load() == 0) {
    GTEST_SKIP() << "the two threads never ran on two cores at once";
  }
  EXPECT_TRUE(cell.Striped()) << parallel_rounds.load() << " rounds on two cores";
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(StripedCellTest, ContendedCellsStripe) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs two threads at once";
  if (kSanitized) GTEST_SKIP() << "sanitizers slow writes below the detector's rate";
  detail::CounterCell inc, add;
  detail::HistogramCell histogram(Bounds());
  ExpectStripesUnderContention(inc, [&] { inc.Inc(); });
  ExpectStripesUnderContention(add, [&] { add.Add(2); });
  ExpectStripesUnderContention(histogram, [&] { histogram.Observe(0.3); });
}

TEST(StripedCellTest, HistogramsWithANativeBucketLimitNeverStripe) {
  auto config = std::make_shared<detail::NativeHistogramConfig>();
  config->max_buckets = 10;
  detail::HistogramCell limited(Bounds(), config);
  limited.StripeNow();
  EXPECT_FALSE(limited.Striped());
  auto unlimited_config = std::make_shared<detail::NativeHistogramConfig>();
  detail::HistogramCell unlimited(Bounds(), unlimited_config);
  unlimited.StripeNow();
  EXPECT_TRUE(unlimited.Striped());
}

TEST(StripedCellTest, StripedCellsAreExact) {
  constexpr int kThreads = 4;
  constexpr int kOps = 100000;
  detail::CounterCell counter;
  detail::HistogramCell histogram(Bounds());
  RunTogether(kThreads, [&](int t) {
    for (int i = 0; i < kOps; ++i) {
      if (i == kOps / 4 && t == 0) {  // half way into the threads' writes
        counter.StripeNow();
        histogram.StripeNow();
      }
      counter.Inc();
      counter.Add(2);
      counter.Add(0.5);  // the fraction path, exact in a double at these sizes
      histogram.Observe(t % 2 == 0 ? 0.25 : 2);
    }
  });
  ASSERT_TRUE(counter.Striped());
  ASSERT_TRUE(histogram.Striped());
  EXPECT_EQ(counter.Value(), 3.5 * kThreads * kOps);
  EXPECT_EQ(histogram.SampleCount(), std::uint64_t{kThreads} * kOps);
  EXPECT_EQ(histogram.SampleSum(), (0.25 + 2) * (kThreads / 2) * kOps);
  Series out;
  histogram.Fill(out);
  ASSERT_EQ(out.buckets.size(), 4u);
  EXPECT_EQ(out.buckets[0].cumulative_count, std::uint64_t{kThreads / 2} * kOps);
  EXPECT_EQ(out.buckets[2].cumulative_count, std::uint64_t{kThreads / 2} * kOps);
  EXPECT_EQ(out.buckets[3].cumulative_count, std::uint64_t{kThreads} * kOps);
  EXPECT_EQ(out.count, std::uint64_t{kThreads} * kOps);
}

std::shared_ptr<const detail::NativeHistogramConfig> NativeConfig() {
  HistogramOpts opts;
  opts.native_histogram_bucket_factor = 1.1;
  return detail::MakeNativeHistogramConfig(opts);
}

// The same observations, striped from four threads and unstriped from one,
// read the same: classic buckets, sum and the merged native buckets.
TEST(StripedCellTest, StripedNativeHistogramsReadLikeUnstripedOnes) {
  constexpr int kThreads = 4;
  constexpr int kOps = 20000;
  auto value = [](int t, int i) {
    // Positive, negative and zero values, with gaps between buckets.
    const int k = (i * 7 + t * 13) % 61;
    return k == 0 ? 0.0 : (k % 2 == 0 ? 1 : -1) * 0.01 * k * k;
  };
  detail::HistogramCell striped(Bounds(), NativeConfig());
  detail::HistogramCell plain(Bounds(), NativeConfig());
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kOps; ++i) plain.Observe(value(t, i));
  }
  RunTogether(kThreads, [&](int t) {
    for (int i = 0; i < kOps; ++i) {
      if (i == kOps / 4 && t == 0) striped.StripeNow();
      striped.Observe(value(t, i));
    }
  });
  ASSERT_TRUE(striped.Striped());
  EXPECT_FALSE(plain.Striped());
  Series a, b;
  striped.Fill(a);
  plain.Fill(b);
  EXPECT_EQ(a.count, b.count);
  // Added in another order: equal up to rounding.
  EXPECT_NEAR(a.sum, b.sum, 1e-9 * b.count);
  for (std::size_t i = 0; i < b.buckets.size(); ++i) {
    EXPECT_EQ(a.buckets[i].cumulative_count, b.buckets[i].cumulative_count);
  }
  detail::NativeHistogramSnapshot x, y;
  striped.CollectNative(x);
  plain.CollectNative(y);
  EXPECT_EQ(x.schema, y.schema);
  EXPECT_EQ(x.zero_count, y.zero_count);
  EXPECT_EQ(x.positive_deltas, y.positive_deltas);
  EXPECT_EQ(x.negative_deltas, y.negative_deltas);
  ASSERT_EQ(x.positive_spans.size(), y.positive_spans.size());
  for (std::size_t i = 0; i < y.positive_spans.size(); ++i) {
    EXPECT_EQ(x.positive_spans[i].offset, y.positive_spans[i].offset);
    EXPECT_EQ(x.positive_spans[i].length, y.positive_spans[i].length);
  }
  ASSERT_EQ(x.negative_spans.size(), y.negative_spans.size());
}

TEST(MergeNativeTest, AddsBucketsKeepingShortGapsInsideSpans) {
  // into: keys 0 (count 2) and 5 (count 1); part: keys 2 (count 3) and 5 (4).
  detail::NativeHistogramSnapshot into, part;
  into.zero_count = 1;
  into.positive_spans = {{0, 1}, {4, 1}};
  into.positive_deltas = {2, -1};
  part.zero_count = 2;
  part.positive_spans = {{2, 1}, {2, 1}};
  part.positive_deltas = {3, 1};
  detail::MergeNative(into, part);
  EXPECT_EQ(into.zero_count, 3u);
  // Keys 0..5 = 2, 0, 3, 0, 0, 5: gaps of one and two buckets stay in the span.
  ASSERT_EQ(into.positive_spans.size(), 1u);
  EXPECT_EQ(into.positive_spans[0].offset, 0);
  EXPECT_EQ(into.positive_spans[0].length, 6u);
  EXPECT_EQ(into.positive_deltas, (std::vector<std::int64_t>{2, -2, 3, -3, 0, 5}));
  EXPECT_TRUE(into.negative_spans.empty());
}

// A stripe has one writer, which adds with a plain load and store. Threads
// beyond the stripe count get none and add to the cell's own words
// atomically; none of it may be lost.
TEST(StripedCellTest, MoreThreadsThanStripesStayExact) {
  const int threads = static_cast<int>(detail::StripeCount()) * 2 + 3;
  constexpr int kOps = 20000;
  detail::CounterCell counter;
  detail::HistogramCell histogram(Bounds(), NativeConfig());
  counter.StripeNow();
  histogram.StripeNow();
  std::atomic<int> without_stripe{0};
  std::atomic<int> holding{0};
  RunTogether(threads, [&](int t) {
    for (int i = 0; i < kOps; ++i) {
      counter.Inc();
      counter.Add(0.5);
      histogram.Observe(t % 2 == 0 ? 0.25 : 2);
      if (i == 0) {
        // Every thread has taken a stripe, or found none, before any exits.
        holding.fetch_add(1);
        while (holding.load() < threads) std::this_thread::yield();
      }
    }
    if (detail::ThisThreadStripe() == detail::stripes_internal::kNoStripe) {
      without_stripe.fetch_add(1);
    }
  });
  // At least the threads beyond the stripe count (this one may hold a stripe).
  EXPECT_GE(without_stripe.load(), threads - static_cast<int>(detail::StripeCount()));
  EXPECT_EQ(counter.Value(), 1.5 * threads * kOps);
  EXPECT_EQ(histogram.SampleCount(), std::uint64_t(threads) * kOps);
  detail::NativeHistogramSnapshot native;
  histogram.CollectNative(native);
  std::int64_t native_total = static_cast<std::int64_t>(native.zero_count);
  std::int64_t bucket = 0;
  for (const std::int64_t delta : native.positive_deltas) native_total += (bucket += delta);
  EXPECT_EQ(native_total, std::int64_t{threads} * kOps);
}

// A thread that exits gives its stripe back; the next thread to take it
// continues from the words the last one left. Four spawners keep starting
// short-lived threads, so stripes change hands while others are written.
TEST(StripedCellTest, StripesPassedOnLoseNothing) {
  constexpr int kSpawners = 4;
  constexpr int kThreadsEach = 16;
  constexpr int kOps = 2000;
  detail::CounterCell counter;
  detail::HistogramCell histogram(Bounds());
  counter.StripeNow();
  histogram.StripeNow();
  RunTogether(kSpawners, [&](int) {
    for (int t = 0; t < kThreadsEach; ++t) {
      std::thread([&] {
        for (int i = 0; i < kOps; ++i) {
          counter.Inc();
          histogram.Observe(0.3);
        }
      }).join();
    }
  });
  EXPECT_EQ(counter.Value(), double{kSpawners} * kThreadsEach * kOps);
  EXPECT_EQ(histogram.SampleCount(), std::uint64_t{kSpawners} * kThreadsEach * kOps);
}

TEST(StripedCellTest, StripedCounterKeepsTheWrappedTwoTo64) {
  // Whole amounts are below 2^53, so passing 2^64 takes over 2^11 adds; the
  // unstriped word and each stripe wrap on their own and must keep the 2^64.
  constexpr double kAmount = 9007199254740991.0;  // 2^53 - 1
  constexpr int kAdds = (1 << 11) + 8;
  detail::CounterCell counter;
  for (int i = 0; i < kAdds; ++i) counter.Add(kAmount);
  counter.StripeNow();
  RunTogether(2, [&](int) {
    for (int i = 0; i < kAdds; ++i) counter.Add(kAmount);
  });
  const double expected = kAmount * 3 * kAdds;
  EXPECT_NEAR(counter.Value(), expected, expected * 1e-12);
}

// Readers of one striped counter and histogram while writers record: every
// reader's successive reads never go down, and a read that starts after
// another reader published its read (handed over under a mutex) never shows
// less than it. Histogram reads keep count == +Inf.
TEST(StripedCellTest, ConcurrentReadersSeeMonotonicValues) {
  constexpr int kWriters = 3;
  constexpr int kReaders = 3;
  constexpr int kOps = 100000;
  detail::CounterCell counter;
  detail::HistogramCell histogram(Bounds());
  std::atomic<int> writers_left{kWriters};
  std::atomic<long> violations{0};
  std::atomic<long> reads{0};
  std::mutex handoff;
  double published_value = 0;
  std::uint64_t published_count = 0;
  RunTogether(kWriters + kReaders, [&](int t) {
    if (t < kWriters) {
      for (int i = 0; i < kOps; ++i) {
        if (i == kOps / 2 && t == 0) {
          counter.StripeNow();
          histogram.StripeNow();
        }
        counter.Inc();
        histogram.Observe(i % 2 == 0 ? 0.25 : 0.75);
      }
      writers_left.fetch_sub(1);
      return;
    }
    double last_value = 0;
    std::uint64_t last_count = 0;
    for (int read = 0; read < 10000000 && writers_left.load() > 0; ++read) {
      double floor_value;
      std::uint64_t floor_count;
      {
        std::lock_guard<std::mutex> lock(handoff);
        floor_value = published_value;
        floor_count = published_count;
      }
      const double value = counter.Value();
      Series out;
      histogram.Fill(out);
      const Series& h = out;
      if (value < last_value || value < floor_value) violations.fetch_add(1);
      if (h.count < last_count || h.count < floor_count ||
          h.buckets.back().cumulative_count != h.count) {
        violations.fetch_add(1);
      }
      last_value = value;
      last_count = h.count;
      {
        std::lock_guard<std::mutex> lock(handoff);
        published_value = std::max(published_value, value);
        published_count = std::max(published_count, h.count);
      }
      reads.fetch_add(1);
    }
  });
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(counter.Value(), double{kWriters} * kOps);
  EXPECT_EQ(histogram.SampleCount(), std::uint64_t{kWriters} * kOps);
}

// Recording threads on ONE series of each kind through the public API,
// scraping threads checking every scrape against their own previous one.
TEST(StripingTest, ConcurrentScrapersSeeMonotonicCountersAndConsistentHistograms) {
  constexpr int kRecorders = 3;
  constexpr int kScrapers = 2;
  constexpr int kOps = 100000;
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter({.name = "hot_total", .help = "h"});
  const Histogram histogram =
      NewHistogram({.name = "hot_seconds", .help = "h", .buckets = {0.25, 0.5, 1}});
  ASSERT_TRUE(registry->RegisterCounter("hot", "counter", counter).ok());
  ASSERT_TRUE(registry->RegisterHistogram("hot", "histogram", histogram).ok());
  const std::map<std::string, std::string> labels = {
      {"service", "svc"}, {"type", "t"}, {"status", "success"}};

  std::atomic<int> recorders_left{kRecorders};
  std::atomic<long> scrapes{0};
  std::atomic<long> violations{0};
  RunTogether(kRecorders + kScrapers, [&](int t) {
    if (t < kRecorders) {
      for (int i = 0; i < kOps; ++i) {
        counter.Inc();
        registry->CoreMetrics().RecordMessageProcessed("svc", "t", "success");
        histogram.Observe(i % 2 == 0 ? 0.25 : 0.75);
      }
      recorders_left.fetch_sub(1);
      return;
    }
    double last_counter = 0, last_core = 0;
    std::uint64_t last_count = 0;
    // Bounded: recorders finish in a few seconds even under TSan.
    for (int scrape = 0; scrape < 1000000 && recorders_left.load() > 0; ++scrape) {
      const auto families = registry->Gather();
      const auto* c = FindFamily(families, "hot_total");
      const auto* core = FindFamily(families, "semstreams_messages_processed_total");
      const auto* h = FindFamily(families, "hot_seconds");
      if (c == nullptr || h == nullptr || c->metric.size() != 1 || h->metric.size() != 1) {
        violations.fetch_add(1);
        continue;
      }
      if (c->metric[0].counter.value < last_counter) violations.fetch_add(1);
      last_counter = c->metric[0].counter.value;
      if (const auto* series = core == nullptr ? nullptr : FindSeries(*core, labels)) {
        if (series->counter.value < last_core) violations.fetch_add(1);
        last_core = series->counter.value;
      }
      const auto& hist = h->metric[0].histogram;
      if (hist.bucket.size() != 4 || hist.bucket.back().cumulative_count != hist.sample_count ||
          hist.sample_count < last_count) {
        violations.fetch_add(1);
      }
      last_count = hist.sample_count;
      scrapes.fetch_add(1);
    }
  });

  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(scrapes.load(), 0);
  const auto families = registry->Gather();
  const std::uint64_t total = std::uint64_t{kRecorders} * kOps;
  EXPECT_EQ(FindFamily(families, "hot_total")->metric[0].counter.value, total);
  EXPECT_EQ(FindSeries(*FindFamily(families, "semstreams_messages_processed_total"), labels)
                ->counter.value,
            total);
  EXPECT_EQ(histogram.SampleCount(), total);
  EXPECT_EQ(histogram.SampleSum(), (0.25 + 0.75) * total / 2);
}

// Reset and Delete drop a (possibly striped) child from the vector; handles
// still held keep recording into it, and a fresh child starts from zero.
TEST(StripingTest, ResetAndDeleteOfAHotChildKeepHandlesWorking) {
  const CounterVec vec = NewCounterVec({.name = "hot_reset_total", .help = "h"}, {"k"});
  const Counter held = vec.WithLabelValues("a");
  RunTogether(4, [&](int) {
    for (int i = 0; i < 50000; ++i) vec.WithLabelValues("a").Inc();
  });
  EXPECT_EQ(held.Value(), 200000.0);
  EXPECT_TRUE(vec.DeleteLabelValues("a"));
  held.Inc();
  EXPECT_EQ(held.Value(), 200001.0);
  EXPECT_EQ(vec.WithLabelValues("a").Value(), 0.0);
  RunTogether(4, [&](int) {
    for (int i = 0; i < 50000; ++i) vec.WithLabelValues("a").Inc();
  });
  vec.Reset();
  EXPECT_EQ(vec.WithLabelValues("a").Value(), 0.0);
}

}  // namespace
}  // namespace semstreams::metric
