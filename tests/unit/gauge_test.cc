#include "semstreams/metric/gauge.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

Gauge MakeGauge() {
  GaugeOpts opts;
  opts.name = "depth";
  opts.help = "help";
  return NewGauge(opts);
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(GaugeTest, StartsAtZero) { EXPECT_EQ(MakeGauge().Value(), 0.0); }

TEST(GaugeTest, SetReplacesValue) {
  const Gauge gauge = MakeGauge();
  gauge.Set(42.5);
  EXPECT_EQ(gauge.Value(), 42.5);
  gauge.Set(-3);
  EXPECT_EQ(gauge.Value(), -3.0);
}

TEST(GaugeTest, IncAndDecStepByOne) {
  const Gauge gauge = MakeGauge();
  gauge.Inc();
  gauge.Inc();
  gauge.Dec();
  EXPECT_EQ(gauge.Value(), 1.0);
  gauge.Dec();
  gauge.Dec();
  EXPECT_EQ(gauge.Value(), -1.0);
}

TEST(GaugeTest, AddAndSubAcceptAnySign) {
  const Gauge gauge = MakeGauge();
  gauge.Add(10);
  gauge.Add(-2.5);
  gauge.Sub(1.25);
  gauge.Sub(-0.75);
  EXPECT_EQ(gauge.Value(), 7.0);
}

TEST(GaugeTest, SetToCurrentTimeIsUnixSecondsNow) {
  const Gauge gauge = MakeGauge();
  const double before = NowSeconds();
  gauge.SetToCurrentTime();
  const double after = NowSeconds();
  EXPECT_GE(gauge.Value(), before);
  EXPECT_LE(gauge.Value(), after);
  EXPECT_GT(gauge.Value(), 1.6e9);  // seconds, not milliseconds or ticks
  EXPECT_LT(gauge.Value(), 1e11);
}

TEST(GaugeTest, SetKeepsSpecialValues) {
  const Gauge gauge = MakeGauge();
  gauge.Set(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isinf(gauge.Value()));
  gauge.Set(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(std::isnan(gauge.Value()));
}

TEST(GaugeTest, CopiesShareValue) {
  const Gauge gauge = MakeGauge();
  const Gauge copy = gauge;  // NOLINT(performance-unnecessary-copy-initialization)
  copy.Set(5);
  gauge.Inc();
  EXPECT_EQ(copy.Value(), 6.0);
}

TEST(GaugeTest, ExportsValueThroughRegistry) {
  auto registry = NewMetricsRegistry();
  const Gauge gauge = MakeGauge();
  ASSERT_TRUE(registry->RegisterGauge("svc", "depth", gauge).ok());
  gauge.Set(12);
  const auto families = registry->Gather();
  const auto* family = testing::FindFamily(families, "depth");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, prometheus::MetricType::Gauge);
  ASSERT_EQ(family->metric.size(), 1u);
  EXPECT_TRUE(family->metric[0].label.empty());
  EXPECT_EQ(family->metric[0].gauge.value, 12.0);
}

}  // namespace
}  // namespace semstreams::metric
