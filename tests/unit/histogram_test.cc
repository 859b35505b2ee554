#include "semstreams/metric/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Histogram MakeHistogram(std::vector<double> buckets, const char* name = "latency_seconds") {
  HistogramOpts opts;
  opts.name = name;
  opts.help = "help";
  opts.buckets = std::move(buckets);
  return NewHistogram(opts);
}

// Registers `histogram` in a fresh registry and returns its exported series.
prometheus::ClientMetric::Histogram Export(const Histogram& histogram,
                                           const char* name = "latency_seconds") {
  auto registry = NewMetricsRegistry();
  EXPECT_TRUE(registry->RegisterHistogram("svc", "h", histogram).ok());
  const auto families = registry->Gather();
  const auto* family = testing::FindFamily(families, name);
  if (family == nullptr || family->metric.size() != 1) {
    ADD_FAILURE() << "no single series for " << name;
    return {};
  }
  EXPECT_EQ(family->type, prometheus::MetricType::Histogram);
  return family->metric[0].histogram;
}

std::vector<std::uint64_t> Cumulative(const prometheus::ClientMetric::Histogram& h) {
  std::vector<std::uint64_t> counts;
  for (const auto& bucket : h.bucket) counts.push_back(bucket.cumulative_count);
  return counts;
}

std::vector<double> Bounds(const prometheus::ClientMetric::Histogram& h) {
  std::vector<double> bounds;
  for (const auto& bucket : h.bucket) bounds.push_back(bucket.upper_bound);
  return bounds;
}

TEST(HistogramTest, StartsEmpty) {
  const Histogram histogram = MakeHistogram({1, 2});
  EXPECT_EQ(histogram.SampleCount(), 0u);
  EXPECT_EQ(histogram.SampleSum(), 0.0);
  EXPECT_EQ(Cumulative(Export(histogram)), (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST(HistogramTest, ObservePlacesValuesInCumulativeBuckets) {
  const Histogram histogram = MakeHistogram({1, 2, 5});
  histogram.Observe(0.5);  // le=1
  histogram.Observe(1.5);  // le=2
  histogram.Observe(3);    // le=5
  histogram.Observe(7);    // +Inf
  const auto exported = Export(histogram);
  EXPECT_EQ(Bounds(exported), (std::vector<double>{1, 2, 5, kInf}));
  EXPECT_EQ(Cumulative(exported), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(exported.sample_count, 4u);
  EXPECT_EQ(exported.sample_sum, 12.0);
}

TEST(HistogramTest, ObserveOnBoundCountsInThatBucket) {
  const Histogram histogram = MakeHistogram({1, 2, 5});
  histogram.Observe(1);
  histogram.Observe(2);
  histogram.Observe(5);
  histogram.Observe(std::nextafter(1.0, 2.0));  // just above le=1
  EXPECT_EQ(Cumulative(Export(histogram)), (std::vector<std::uint64_t>{1, 3, 4, 4}));
}

TEST(HistogramTest, ObserveBelowFirstBoundAndNegativeCountsInFirstBucket) {
  const Histogram histogram = MakeHistogram({1, 2});
  histogram.Observe(-10);
  histogram.Observe(-kInf);
  histogram.Observe(0);
  EXPECT_EQ(Cumulative(Export(histogram)), (std::vector<std::uint64_t>{3, 3, 3}));
  EXPECT_EQ(histogram.SampleSum(), -kInf);
}

TEST(HistogramTest, ObserveInfinityCountsOnlyInInfBucket) {
  const Histogram histogram = MakeHistogram({1, 2});
  histogram.Observe(kInf);
  const auto exported = Export(histogram);
  EXPECT_EQ(Cumulative(exported), (std::vector<std::uint64_t>{0, 0, 1}));
  EXPECT_TRUE(std::isinf(exported.sample_sum));
}

TEST(HistogramTest, ObserveNaNCountsOnlyInInfBucketLikeGo) {
  // NaN <= bound is false for every bound, so client_golang files it under
  // +Inf; claiming it is <= the first bound would be wrong.
  const Histogram histogram = MakeHistogram({1, 2});
  histogram.Observe(std::numeric_limits<double>::quiet_NaN());
  const auto exported = Export(histogram);
  EXPECT_EQ(Cumulative(exported), (std::vector<std::uint64_t>{0, 0, 1}));
  EXPECT_EQ(histogram.SampleCount(), 1u);
  EXPECT_TRUE(std::isnan(histogram.SampleSum()));
}

TEST(HistogramTest, ObserveUsesSameRuleWithManyBuckets) {
  // 50 bounds: large enough for the binary-search path.
  std::vector<double> bounds;
  for (int i = 1; i <= 50; ++i) bounds.push_back(i);
  const Histogram histogram = MakeHistogram(bounds);
  histogram.Observe(10);                                        // on a bound: le=10
  histogram.Observe(10.5);                                      // le=11
  histogram.Observe(0.5);                                       // le=1
  histogram.Observe(50);                                        // le=50
  histogram.Observe(51);                                        // +Inf
  histogram.Observe(std::numeric_limits<double>::quiet_NaN());  // +Inf
  const auto cumulative = Cumulative(Export(histogram));
  ASSERT_EQ(cumulative.size(), 51u);
  EXPECT_EQ(cumulative[0], 1u);   // le=1
  EXPECT_EQ(cumulative[8], 1u);   // le=9
  EXPECT_EQ(cumulative[9], 2u);   // le=10
  EXPECT_EQ(cumulative[10], 3u);  // le=11
  EXPECT_EQ(cumulative[49], 4u);  // le=50
  EXPECT_EQ(cumulative[50], 6u);  // +Inf
}

TEST(HistogramTest, ShortListsFileEveryValueWhereTheRuleSays) {
  // Lists under 35 bounds are counted without branches: every length
  // against the rule itself (first bound >= v, else +Inf).
  const double specials[] = {-std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(), -0.0};
  for (int n = 1; n < 35; ++n) {
    std::vector<double> bounds;
    for (int i = 0; i < n; ++i) bounds.push_back(i * 0.5 - 3);
    std::vector<double> values(std::begin(specials), std::end(specials));
    for (int k = -10; k < 2 * n + 4; ++k) values.push_back(k * 0.25 - 3);  // on and between
    const Histogram histogram = MakeHistogram(bounds);
    std::vector<std::uint64_t> expected(bounds.size() + 1, 0);
    for (const double v : values) {
      histogram.Observe(v);
      std::size_t bucket = 0;
      while (bucket < bounds.size() && !(v <= bounds[bucket])) ++bucket;
      ++expected[bucket];
    }
    std::vector<std::uint64_t> cumulative;
    std::uint64_t total = 0;
    for (const std::uint64_t count : expected) cumulative.push_back(total += count);
    EXPECT_EQ(Cumulative(Export(histogram)), cumulative) << n << " bounds";
  }
}

TEST(HistogramTest, SampleCountAndSumTrackObservations) {
  const Histogram histogram = MakeHistogram(DefBuckets());
  histogram.Observe(0.25);
  histogram.Observe(0.5);
  histogram.Observe(100);
  EXPECT_EQ(histogram.SampleCount(), 3u);
  EXPECT_EQ(histogram.SampleSum(), 100.75);
  const auto exported = Export(histogram);
  EXPECT_EQ(exported.sample_count, 3u);
  EXPECT_EQ(exported.sample_sum, 100.75);
  EXPECT_EQ(exported.bucket.back().cumulative_count, exported.sample_count);
}

TEST(HistogramTest, EmptyBucketListMeansDefBuckets) {
  const Histogram histogram = MakeHistogram({});
  std::vector<double> want = DefBuckets();
  want.push_back(kInf);
  EXPECT_EQ(Bounds(Export(histogram)), want);
}

TEST(HistogramTest, TrailingInfBoundIsImplied) {
  const Histogram histogram = MakeHistogram({0.5, kInf});
  histogram.Observe(1);
  const auto exported = Export(histogram);
  EXPECT_EQ(Bounds(exported), (std::vector<double>{0.5, kInf}));
  EXPECT_EQ(Cumulative(exported), (std::vector<std::uint64_t>{0, 1}));
}

TEST(HistogramTest, CopiesShareDistribution) {
  const Histogram histogram = MakeHistogram({1});
  const Histogram copy = histogram;  // NOLINT(performance-unnecessary-copy-initialization)
  copy.Observe(0.5);
  histogram.Observe(2);
  EXPECT_EQ(histogram.SampleCount(), 2u);
  EXPECT_EQ(copy.SampleSum(), 2.5);
}

}  // namespace
}  // namespace semstreams::metric
