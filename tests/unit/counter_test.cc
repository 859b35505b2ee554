#include "semstreams/metric/counter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using testing::ScalarValue;

Counter MakeCounter(const char* name = "events_total") {
  CounterOpts opts;
  opts.name = name;
  opts.help = "help";
  return NewCounter(opts);
}

TEST(CounterTest, StartsAtZero) { EXPECT_EQ(MakeCounter().Value(), 0.0); }

TEST(CounterTest, IncAddsOne) {
  const Counter counter = MakeCounter();
  counter.Inc();
  counter.Inc();
  EXPECT_EQ(counter.Value(), 2.0);
}

TEST(CounterTest, AddAddsWholeAndFractionalAmounts) {
  const Counter counter = MakeCounter();
  counter.Add(5);
  counter.Add(0.25);
  counter.Add(1.5);
  counter.Add(0);
  EXPECT_EQ(counter.Value(), 6.75);
}

TEST(CounterTest, AddSumsFractionsLikeDoubles) {
  const Counter counter = MakeCounter();
  counter.Add(0.1);
  counter.Add(0.2);
  EXPECT_DOUBLE_EQ(counter.Value(), 0.3);
}

TEST(CounterTest, AddIgnoresNegativeAndNaN) {
  const Counter counter = MakeCounter();
  counter.Add(3);
  counter.Add(-1);
  counter.Add(-0.5);
  counter.Add(std::numeric_limits<double>::quiet_NaN());
  counter.Add(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(counter.Value(), 3.0);
}

TEST(CounterTest, AddKeepsHugeWholeNumbersExact) {
  const Counter counter = MakeCounter();
  const double two_53 = 9007199254740992.0;
  counter.Add(two_53 - 1);  // the largest whole number a double holds exactly
  counter.Inc();
  EXPECT_EQ(counter.Value(), two_53);
  counter.Add(two_53);
  EXPECT_EQ(counter.Value(), 2 * two_53);
}

TEST(CounterTest, AddHandlesAmountsBeyondIntegerRange) {
  const Counter counter = MakeCounter();
  counter.Add(1e20);
  counter.Add(1e300);
  EXPECT_EQ(counter.Value(), 1e300);
  const Counter inf = MakeCounter();
  inf.Add(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isinf(inf.Value()));
}

TEST(CounterTest, AddKeepsCountingPastTwoToThe64) {
  const Counter counter = MakeCounter();
  // Each amount is an exact whole double below 2^53; their sum passes 2^64.
  const double amount = 9e15;
  for (int i = 0; i < 2100; ++i) counter.Add(amount);
  EXPECT_DOUBLE_EQ(counter.Value(), 2100 * amount);
}

TEST(CounterTest, CopiesShareValue) {
  const Counter counter = MakeCounter();
  const Counter copy = counter;  // NOLINT(performance-unnecessary-copy-initialization)
  copy.Add(2);
  counter.Inc();
  EXPECT_EQ(counter.Value(), 3.0);
  EXPECT_EQ(copy.Value(), 3.0);
}

TEST(CounterTest, ExportsValueThroughRegistry) {
  auto registry = NewMetricsRegistry();
  CounterOpts opts;
  opts.ns = "app";
  opts.subsystem = "io";
  opts.name = "bytes_total";
  opts.help = "Bytes written";
  opts.const_labels = {{"disk", "sda"}};
  const Counter counter = NewCounter(opts);
  ASSERT_TRUE(registry->RegisterCounter("app", "bytes", counter).ok());
  counter.Add(4096);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "app_io_bytes_total", {{"disk", "sda"}}), 4096.0);
  const auto* family = testing::FindFamily(families, "app_io_bytes_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, prometheus::MetricType::Counter);
  EXPECT_EQ(family->help, "Bytes written");
}

TEST(CounterTest, InvalidDefinitionStillRecords) {
  // Like Go's NewCounter, a bad definition only fails at registration.
  const Counter counter = MakeCounter("not a valid name");
  counter.Inc();
  EXPECT_EQ(counter.Value(), 1.0);
}

}  // namespace
}  // namespace semstreams::metric
