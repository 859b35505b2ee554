// N threads x M increments on a counter, a vector's children and a histogram,
// while other threads scrape /metrics over HTTP, register and unregister other
// metrics, Reset other vectors and call Gather(): every final value is exact.
// Values are chosen so that every partial sum is exact in a double.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric/server.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

constexpr int kThreads = 4;
constexpr int kIncrements = 1000000;

TEST(NoLostUpdatesTest, ConcurrentRecordingWhileScrapingAndChurningIsExact) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter({.name = "exact_total", .help = "Exact"});
  const CounterVec vec = NewCounterVec({.name = "exact_vec_total", .help = "Exact"}, {"worker"});
  // Power-of-two bounds and observations keep every sum exact.
  const Histogram histogram =
      NewHistogram({.name = "exact_seconds", .help = "Exact", .buckets = {0.25, 0.5, 1}});
  const GaugeVec noise = NewGaugeVec({.name = "noise", .help = "Reset in a loop"}, {"k"});
  ASSERT_TRUE(registry->RegisterCounter("exact", "counter", counter).ok());
  ASSERT_TRUE(registry->RegisterCounterVec("exact", "vec", vec).ok());
  ASSERT_TRUE(registry->RegisterHistogram("exact", "histogram", histogram).ok());
  ASSERT_TRUE(registry->RegisterGaugeVec("exact", "noise", noise).ok());

  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics";

  std::atomic<int> recorders_left{kThreads};
  std::atomic<long> scrapes{0}, scrape_errors{0}, churn{0};
  std::vector<std::thread> background;
  const auto until_recorders_done = [&](auto&& step) {
    return [&, step]() mutable {
      while (recorders_left.load() > 0) step();
    };
  };
  for (int i = 0; i < 2; ++i) {
    background.emplace_back(until_recorders_done([&] {
      const auto response = testing::HttpGet(url);
      (response.ok() && response.status == 200 ? scrapes : scrape_errors).fetch_add(1);
    }));
  }
  background.emplace_back(until_recorders_done([&] {
    const Gauge other = NewGauge({.name = "churn_gauge", .help = "Churn"});
    if (registry->RegisterGauge("churn", "gauge", other).ok() &&
        registry->Unregister("churn", "gauge")) {
      churn.fetch_add(1);
    }
  }));
  background.emplace_back(until_recorders_done([&] {
    noise.WithLabelValues("a").Set(1);
    noise.Reset();
    (void)registry->Gather();
  }));

  std::vector<std::thread> recorders;
  for (int t = 0; t < kThreads; ++t) {
    recorders.emplace_back([&, t] {
      const std::string worker = "worker-" + std::to_string(t);
      for (int i = 0; i < kIncrements; ++i) {
        counter.Inc();
        vec.WithLabelValues(worker).Inc();
        vec.WithLabelValues("shared").Add(2);
        histogram.Observe(i % 2 == 0 ? 0.25 : 0.75);
      }
      recorders_left.fetch_sub(1);
    });
  }
  for (auto& thread : recorders) thread.join();
  for (auto& thread : background) thread.join();
  ASSERT_TRUE(server.Stop().ok());

  EXPECT_EQ(counter.Value(), kThreads * kIncrements);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(vec.WithLabelValues("worker-" + std::to_string(t)).Value(), kIncrements);
  }
  EXPECT_EQ(vec.WithLabelValues("shared").Value(), 2.0 * kThreads * kIncrements);
  EXPECT_EQ(histogram.SampleCount(), static_cast<std::uint64_t>(kThreads * kIncrements));
  EXPECT_EQ(histogram.SampleSum(), kThreads * (kIncrements / 2) * (0.25 + 0.75));
  // What the scrape path exports agrees with the handles.
  for (const auto& family : registry->Gather()) {
    if (family.name != "exact_seconds") continue;
    const auto& buckets = family.metric.at(0).histogram.bucket;
    EXPECT_EQ(buckets.at(0).cumulative_count,
              static_cast<std::uint64_t>(kThreads * kIncrements / 2));
    EXPECT_EQ(buckets.at(2).cumulative_count, static_cast<std::uint64_t>(kThreads * kIncrements));
  }
  EXPECT_EQ(scrape_errors.load(), 0);
  EXPECT_GT(scrapes.load(), 0);
  EXPECT_GT(churn.load(), 0);
}

}  // namespace
}  // namespace semstreams::metric
