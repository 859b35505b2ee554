// series_ttl: vector children that go unwritten for the ttl are removed, as
// Delete would, on a clock the test moves by hand. A sweep (each scrape, and
// a miss once half a ttl has passed) notes which children were written since
// the one before; a child is removed by the first sweep that finds it has
// gone the ttl since a sweep last saw it written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "detail/cells.h"
#include "detail/desc.h"
#include "detail/handle_access.h"
#include "detail/vec_core.h"
#include "semstreams/metric.h"
#include "semstreams/metric/testutil.h"

namespace semstreams::metric {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// A clock that moves only when told to.
class ManualClock {
 public:
  Clock::time_point Now() const { return Clock::time_point(Clock::duration(now_.load())); }
  void Advance(std::chrono::milliseconds d) { now_ += Clock::duration(d).count(); }

 private:
  std::atomic<Clock::rep> now_{Clock::duration(1h).count()};
};

template <class Metric, class Opts>
MetricVec<Metric> VecWithClock(Opts opts, std::vector<std::string> labels,
                               const std::shared_ptr<ManualClock>& clock) {
  auto desc = std::make_shared<detail::Desc>(*detail::MakeDesc(std::move(opts), std::move(labels)));
  desc->clock = [clock] { return clock->Now(); };
  using Core = detail::VecCore<typename Metric::Cell>;
  return detail::HandleAccess::MakeVec<Metric>(std::make_shared<Core>(std::move(desc)));
}

CounterVec Requests(std::chrono::nanoseconds ttl, const std::shared_ptr<ManualClock>& clock) {
  return VecWithClock<Counter>(
      CounterOpts{.name = "peer_requests_total", .help = "Requests by peer.", .series_ttl = ttl},
      {"peer"}, clock);
}

std::string Text(const CounterVec& vec) {
  auto registry = NewMetricsRegistry();
  EXPECT_TRUE(registry->RegisterCounterVec("svc", "requests", vec).ok());
  return OpenMetricsExposition(*registry);
}

TEST(SeriesTtlTest, RemovesAChildOnlyOnceItWentTheTtlUnwritten) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(10s, clock);
  requests.WithLabelValues("a").Inc();
  requests.WithLabelValues("b").Inc();

  clock->Advance(5s);
  EXPECT_EQ(requests.Size(), 2u);
  EXPECT_THAT(Text(requests), HasSubstr("peer=\"b\""));  // a scrape sweeps: both written
  requests.WithLabelValues("a").Inc();

  clock->Advance(7s);  // t = 12: b unwritten for 7 s since the sweep that saw it written
  EXPECT_THAT(Text(requests), HasSubstr("peer=\"b\""));
  EXPECT_EQ(requests.Size(), 2u);

  clock->Advance(3500ms);  // t = 15.5: b unwritten for 10.5 s since that sweep; a for 3.5
  const std::string text = Text(requests);
  EXPECT_THAT(text, Not(HasSubstr("peer=\"b\"")));
  EXPECT_THAT(text, HasSubstr("peer_requests_total{peer=\"a\"} 2"));
  EXPECT_EQ(requests.Size(), 1u);
}

TEST(SeriesTtlTest, WritingTheLabelsAgainStartsFromZeroAndKeptHandlesStaySafe) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(1s, clock);
  const Counter kept = requests.WithLabelValues("gone");
  kept.Add(5);
  EXPECT_THAT(Text(requests), HasSubstr("{peer=\"gone\"} 5"));
  clock->Advance(1500ms);
  EXPECT_THAT(Text(requests), Not(HasSubstr("gone")));

  kept.Inc();  // safe; recorded into the removed child, which nobody exports
  EXPECT_EQ(kept.Value(), 6);
  requests.WithLabelValues("gone").Inc();
  EXPECT_THAT(Text(requests), HasSubstr("{peer=\"gone\"} 1"));
}

TEST(SeriesTtlTest, WritesThroughAKeptHandleKeepTheChild) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(2s, clock);
  const Counter kept = requests.WithLabelValues("busy");
  for (int i = 0; i < 10; ++i) {
    kept.Inc();  // no lookup: only the handle's write says the child is alive
    clock->Advance(1s);
    EXPECT_THAT(Text(requests), HasSubstr("{peer=\"busy\"} " + std::to_string(i + 1)));
  }
}

TEST(SeriesTtlTest, ZeroKeepsChildrenForEver) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(0s, clock);
  requests.WithLabelValues("a").Inc();
  clock->Advance(24h * 365);
  EXPECT_THAT(Text(requests), HasSubstr("{peer=\"a\"} 1"));
}

TEST(SeriesTtlTest, GaugesAndHistogramsExpireToo) {
  auto clock = std::make_shared<ManualClock>();
  const GaugeVec gauges = VecWithClock<Gauge>(
      GaugeOpts{.name = "peer_lag", .help = "Lag.", .series_ttl = 1s}, {"peer"}, clock);
  const HistogramVec histograms = VecWithClock<Histogram>(
      HistogramOpts{.name = "peer_seconds", .help = "Latency.", .series_ttl = 1s}, {"peer"}, clock);
  gauges.WithLabelValues("x").Set(3);
  histograms.WithLabelValues("x").Observe(0.2);
  gauges.WithLabelValues("y").Set(3);
  histograms.WithLabelValues("y").Observe(0.2);
  EXPECT_EQ(testutil::CollectAndCount(gauges), 2u);
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterGaugeVec("svc", "lag", gauges).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "seconds", histograms).ok());
  EXPECT_EQ(testutil::CollectAndCount(*registry, {"peer_lag", "peer_seconds"}), 4u);
  clock->Advance(600ms);
  gauges.WithLabelValues("y").Set(3);  // the same value still counts as a write
  histograms.WithLabelValues("y").Observe(0.2);
  EXPECT_EQ(testutil::CollectAndCount(*registry, {"peer_lag", "peer_seconds"}), 4u);
  clock->Advance(600ms);  // x unwritten for 1.2 s, y for 0.6 s
  EXPECT_TRUE(testutil::CollectAndCompare(*registry, R"(
    # HELP peer_lag Lag.
    # TYPE peer_lag gauge
    peer_lag{peer="y"} 3
  )",
                                          {"peer_lag"})
                  .ok());
  EXPECT_EQ(histograms.Size(), 1u);
}

TEST(SeriesTtlTest, ThreadCachesLetGoOfExpiredChildren) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(1s, clock);
  auto& core = detail::HandleAccess::CoreOf(requests);
  const std::string_view value = "expiring";
  const detail::NodeBase* child = nullptr;
  std::weak_ptr<detail::CounterCell> watch = core.Share(&value, 1, child);
  ASSERT_FALSE(watch.expired());
  requests.WithLabelValues("expiring").Inc();  // this thread's cache remembers it
  EXPECT_THAT(Text(requests), HasSubstr("expiring"));

  clock->Advance(2s);
  EXPECT_THAT(Text(requests), Not(HasSubstr("expiring")));
  // The cache holds the child until this thread's misses go round the
  // table. Misses that would reuse its very slot are left out: reusing the
  // slot frees the child anyway, which is not what is tested here.
  const std::size_t expiring_slot = child->slot;
  int misses = 0;
  for (int i = 0; i < 10'000 && misses < 100; ++i) {
    const std::string label = "new-" + std::to_string(i);
    const std::string_view view = label;
    if (detail::ThreadCacheIndex(core.id(), detail::HashLabelValues(&view, 1)) == expiring_slot) {
      continue;
    }
    requests.WithLabelValues(label).Inc();
    ++misses;
  }
  EXPECT_TRUE(watch.expired()) << "the thread cache kept an expired child alive";
}

TEST(SeriesTtlTest, NewChildrenSweepAVectorNobodyScrapes) {
  auto clock = std::make_shared<ManualClock>();
  const CounterVec requests = Requests(1s, clock);
  for (int i = 0; i < 1000; ++i) {
    requests.WithLabelValues(std::to_string(i)).Inc();
    clock->Advance(10ms);
  }
  // 10 s of churn with a 1 s ttl: about a second's worth is alive.
  EXPECT_LE(requests.Size(), 160u);
  EXPECT_GE(requests.Size(), 100u);
}

TEST(SeriesTtlTest, AnInvalidTtlIsRefusedAtRegistration) {
  const CounterVec bad = NewCounterVec(
      {.name = "bad_total", .help = "h", .series_ttl = std::chrono::seconds(-1)}, {"l"});
  auto registry = NewMetricsRegistry();
  EXPECT_EQ(registry->RegisterCounterVec("svc", "bad", bad).code(), ErrorCode::kInvalidArgument);
}

// Writers churn label sets and rewrite a few, while scrapers sweep and
// threads' caches let go of what expired: under TSan, no race.
TEST(SeriesTtlTest, ConcurrentWritersScrapersAndExpiry) {
  const CounterVec requests =
      NewCounterVec({.name = "churn_total", .help = "h", .series_ttl = 5ms}, {"peer"});
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "churn", requests).ok());
  std::atomic<bool> stop{false};
  std::atomic<long> writes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      Counter kept = requests.WithLabelValues("kept-" + std::to_string(t));
      for (int i = 0; i < 200'000 && !stop; ++i) {
        requests.WithLabelValues("p" + std::to_string(t) + "-" + std::to_string(i % 512)).Inc();
        kept.Inc();
        if (i % 1000 == 0) kept = requests.WithLabelValues("kept-" + std::to_string(t));
        writes.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::size_t scrapes = 0;
  for (; scrapes < 100'000 && writes.load() < 300'000; ++scrapes) {
    EXPECT_THAT(OpenMetricsExposition(*registry), HasSubstr("# EOF"));
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  EXPECT_GT(scrapes, 0u);
}

}  // namespace
}  // namespace semstreams::metric
