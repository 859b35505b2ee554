#include "semstreams/metric/opts.h"

#include <gtest/gtest.h>

#include <vector>

namespace semstreams::metric {
namespace {

TEST(OptsTest, BuildFQNameJoinsAllPartsWithUnderscore) {
  EXPECT_EQ(BuildFQName("semstreams", "nats", "connected"), "semstreams_nats_connected");
}

TEST(OptsTest, BuildFQNameSkipsEmptyParts) {
  EXPECT_EQ(BuildFQName("", "nats", "connected"), "nats_connected");
  EXPECT_EQ(BuildFQName("semstreams", "", "errors_total"), "semstreams_errors_total");
  EXPECT_EQ(BuildFQName("", "", "plain"), "plain");
}

TEST(OptsTest, BuildFQNameReturnsEmptyWhenNameEmpty) {
  EXPECT_EQ(BuildFQName("semstreams", "nats", ""), "");
  EXPECT_EQ(BuildFQName("semstreams", "", ""), "");
  EXPECT_EQ(BuildFQName("", "", ""), "");
}

TEST(OptsTest, BuildFQNameKeepsPartsVerbatim) {
  // Go does no validation or trimming here; registration validates.
  EXPECT_EQ(BuildFQName("a_", "_b", "c"), "a___b_c");
  EXPECT_EQ(BuildFQName("bad-ns", "x", "y"), "bad-ns_x_y");
}

TEST(OptsTest, DefBucketsEqualsClientGolang) {
  const std::vector<double> want = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
  EXPECT_EQ(DefBuckets(), want);
}

TEST(OptsTest, HistogramOptsDefaultsToDefBuckets) {
  const HistogramOpts opts;
  EXPECT_EQ(opts.buckets, DefBuckets());
  EXPECT_TRUE(opts.const_labels.empty());
}

}  // namespace
}  // namespace semstreams::metric
