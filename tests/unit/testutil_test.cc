// testutil in use, as a service's own test would use it (the README points here).
#include "semstreams/metric/testutil.h"

#include <gtest/gtest.h>

namespace semstreams::metric {
namespace {

// A service under test: counts orders by outcome.
class OrderService {
 public:
  explicit OrderService(MetricsRegistrar& metrics)
      : orders_(NewCounterVec({.name = "orders_total", .help = "Orders by outcome"}, {"outcome"})) {
    (void)metrics.RegisterCounterVec("orders", "orders_total", orders_);
  }
  void Place(bool ok) const { orders_.WithLabelValues(ok ? "ok" : "rejected").Inc(); }
  const CounterVec& orders() const { return orders_; }

 private:
  CounterVec orders_;
};

TEST(TestutilTest, CollectAndCompareAcceptsTheExpectedExposition) {
  auto registry = NewMetricsRegistry();
  OrderService service(*registry);
  service.Place(true);
  service.Place(true);
  service.Place(false);

  const Status status = testutil::CollectAndCompare(*registry, R"(
      # HELP orders_total Orders by outcome
      # TYPE orders_total counter
      orders_total{outcome="rejected"} 1
      orders_total{outcome="ok"} 2.0
  )",
                                                    {"orders_total"});
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(testutil::CollectAndCount(service.orders()), 2u);
  EXPECT_EQ(testutil::CollectAndCount(*registry, {"orders_total"}), 2u);
}

TEST(TestutilTest, CollectAndCompareReportsALineDiffOnMismatch) {
  auto registry = NewMetricsRegistry();
  OrderService service(*registry);
  service.Place(true);

  const Status status = testutil::CollectAndCompare(service.orders(), R"(
      # HELP orders_total Orders by outcome
      # TYPE orders_total counter
      orders_total{outcome="ok"} 5
  )");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.message().find("- orders_total{outcome=\"ok\"} 5\n"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("+ orders_total{outcome=\"ok\"} 1\n"), std::string::npos)
      << status.message();
}

TEST(TestutilTest, MetricNamesLimitTheComparison) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordServiceStatus("orders", 2);
  // Only service_status is compared; core and process families are ignored.
  const Status status = testutil::CollectAndCompare(*registry, R"(
      # HELP semstreams_service_status Service status (0=stopped, 1=starting, 2=running, 3=stopping, 4=failed)
      # TYPE semstreams_service_status gauge
      semstreams_service_status{service="orders"} 2
  )",
                                                    {"semstreams_service_status"});
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST(TestutilTest, ToFloat64ReadsCountersAndGauges) {
  const Counter counter = NewCounter({.name = "c_total", .help = "h"});
  counter.Add(2.5);
  const Gauge gauge = NewGauge({.name = "g", .help = "h"});
  gauge.Set(-3);
  EXPECT_DOUBLE_EQ(testutil::ToFloat64(counter), 2.5);
  EXPECT_DOUBLE_EQ(testutil::ToFloat64(gauge), -3);
}

TEST(TestutilTest, HistogramComparesBucketsSumAndCount) {
  const Histogram histogram =
      NewHistogram({.name = "latency_seconds", .help = "Latency", .buckets = {0.1, 1}});
  histogram.Observe(0.05);
  histogram.Observe(0.5);
  const Status status = testutil::CollectAndCompare(histogram, R"(
      # HELP latency_seconds Latency
      # TYPE latency_seconds histogram
      latency_seconds_bucket{le="0.1"} 1
      latency_seconds_bucket{le="1"} 2
      latency_seconds_bucket{le="+Inf"} 2
      latency_seconds_sum 0.55
      latency_seconds_count 2
  )");
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST(TestutilTest, AVectorsChildCannotBeComparedAlone) {
  const CounterVec vec = NewCounterVec({.name = "x_total", .help = "h"}, {"a"});
  EXPECT_FALSE(testutil::CollectAndCompare(vec.WithLabelValues("1"), "").ok());
}

}  // namespace
}  // namespace semstreams::metric
