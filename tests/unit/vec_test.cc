#include "semstreams/metric/vec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using testing::FindFamily;
using testing::HasFamily;
using ::testing::HasSubstr;
using testing::ScalarValue;

constexpr const char* kRejected = "semstreams_metric_cardinality_rejected_total";

CounterVec Requests() {
  CounterOpts opts;
  opts.name = "http_requests_total";
  opts.help = "Total HTTP requests by status and method";
  return NewCounterVec(opts, {"status", "method"});
}

// Reads the process-wide rejection counter the way an operator would.
double Rejected() {
  auto registry = NewMetricsRegistry();
  return ScalarValue(registry->Gather(), kRejected).value_or(-1);
}

// The message of the std::invalid_argument `fn` throws, or "" if none.
template <class Fn>
std::string InvalidArgumentMessage(Fn fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(VecTest, WithLabelValuesReturnsOneChildPerLabelSet) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("200", "GET").Inc();
  vec.WithLabelValues("200", "GET").Add(2);
  vec.WithLabelValues("404", "POST").Inc();
  EXPECT_EQ(vec.WithLabelValues("200", "GET").Value(), 3.0);
  EXPECT_EQ(vec.WithLabelValues("404", "POST").Value(), 1.0);
  EXPECT_EQ(vec.WithLabelValues("200", "POST").Value(), 0.0);
  EXPECT_EQ(vec.Size(), 3u);
}

TEST(VecTest, WithLabelValuesAcceptsEveryStringType) {
  const CounterVec vec = Requests();
  const std::string status = "500";
  const std::string_view method = "PUT";
  vec.WithLabelValues(status, method).Inc();
  vec.WithLabelValues("500", std::string("PUT")).Inc();
  vec.WithLabelValues(std::vector<std::string>{"500", "PUT"}).Inc();
  EXPECT_EQ(vec.WithLabelValues("500", "PUT").Value(), 3.0);
  EXPECT_EQ(vec.Size(), 1u);
}

TEST(VecTest, WithLabelValuesKeepsSetsApartWhenConcatenationsCollide) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("ab", "c").Inc();
  vec.WithLabelValues("a", "bc").Add(2);
  vec.WithLabelValues("", "abc").Add(4);
  EXPECT_EQ(vec.WithLabelValues("ab", "c").Value(), 1.0);
  EXPECT_EQ(vec.WithLabelValues("a", "bc").Value(), 2.0);
  EXPECT_EQ(vec.WithLabelValues("", "abc").Value(), 4.0);
  EXPECT_EQ(vec.Size(), 3u);
}

TEST(VecTest, WithMapsNamesToLabelOrder) {
  const CounterVec vec = Requests();
  // prometheus::Labels is a sorted map ("method" < "status"); the vector's
  // order is status, method.
  vec.With({{"status", "200"}, {"method", "GET"}}).Inc();
  EXPECT_EQ(vec.WithLabelValues("200", "GET").Value(), 1.0);
  EXPECT_EQ(vec.WithLabelValues("GET", "200").Value(), 0.0);
}

TEST(VecTest, ChildCopiesShareState) {
  const GaugeVec vec = NewGaugeVec({"", "", "cache_items", "help", {}}, {"cache_type"});
  const Gauge a = vec.WithLabelValues("lru");
  const Gauge b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  a.Set(10);
  b.Dec();
  EXPECT_EQ(vec.WithLabelValues("lru").Value(), 9.0);
  const GaugeVec vec_copy = vec;  // NOLINT(performance-unnecessary-copy-initialization)
  vec_copy.WithLabelValues("lru").Add(1);
  EXPECT_EQ(a.Value(), 10.0);
  EXPECT_EQ(vec_copy.Size(), 1u);
}

TEST(VecTest, VecWithoutLabelsHasOneChild) {
  const CounterVec vec = NewCounterVec({"", "", "no_labels_total", "help", {}}, {});
  vec.WithLabelValues().Inc();
  vec.With({}).Inc();
  EXPECT_EQ(vec.WithLabelValues().Value(), 2.0);
  EXPECT_EQ(vec.Size(), 1u);
}

TEST(VecTest, HistogramVecChildrenShareBuckets) {
  HistogramOpts opts;
  opts.name = "request_duration_seconds";
  opts.help = "Request duration by endpoint";
  opts.buckets = {.001, .01, .1, 1, 10};
  const HistogramVec vec = NewHistogramVec(opts, {"endpoint"});
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterHistogramVec("api", "d", vec).ok());
  vec.WithLabelValues("/a").Observe(0.01);
  vec.WithLabelValues("/b").Observe(5);
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "request_duration_seconds");
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 2u);
  for (const auto& series : family->metric) {
    ASSERT_EQ(series.histogram.bucket.size(), 6u);
    EXPECT_EQ(series.histogram.bucket[4].upper_bound, 10);
  }
  EXPECT_EQ(family->metric[0].histogram.bucket[1].cumulative_count, 1u);  // /a, le=0.01
  EXPECT_EQ(family->metric[1].histogram.bucket[3].cumulative_count, 0u);  // /b, le=1
  EXPECT_EQ(family->metric[1].histogram.bucket[4].cumulative_count, 1u);  // /b, le=10
}

// --- wrong arity and names -------------------------------------------------

TEST(VecTest, WithLabelValuesThrowsNamingMetricWhenTooFewValues) {
  const CounterVec vec = Requests();
  const std::string message = InvalidArgumentMessage([&] { vec.WithLabelValues("200"); });
  EXPECT_THAT(message, HasSubstr("http_requests_total"));
  EXPECT_EQ(vec.Size(), 0u);
}

TEST(VecTest, WithLabelValuesThrowsNamingMetricWhenTooManyValues) {
  const CounterVec vec = Requests();
  EXPECT_THAT(InvalidArgumentMessage([&] { vec.WithLabelValues("200", "GET", "extra"); }),
              HasSubstr("http_requests_total"));
  EXPECT_THAT(InvalidArgumentMessage([&] { vec.WithLabelValues(); }),
              HasSubstr("http_requests_total"));
  EXPECT_THAT(InvalidArgumentMessage([&] {
                vec.WithLabelValues(std::vector<std::string>{"1", "2", "3"});
              }),
              HasSubstr("http_requests_total"));
  EXPECT_EQ(vec.Size(), 0u);
}

TEST(VecTest, WithThrowsWhenLabelNamesWrongMissingOrExtra) {
  const CounterVec vec = Requests();
  EXPECT_THAT(InvalidArgumentMessage([&] {
                vec.With({{"status", "200"}});
              }),
              HasSubstr("http_requests_total"));
  EXPECT_THAT(InvalidArgumentMessage([&] {
                vec.With({{"status", "200"}, {"verb", "GET"}});
              }),
              HasSubstr("http_requests_total"));
  EXPECT_THAT(InvalidArgumentMessage([&] {
                vec.With({{"status", "200"}, {"method", "GET"}, {"extra", "x"}});
              }),
              HasSubstr("http_requests_total"));
  EXPECT_THAT(InvalidArgumentMessage([&] { vec.With({}); }), HasSubstr("http_requests_total"));
  EXPECT_EQ(vec.Size(), 0u);
}

TEST(VecTest, DeleteThrowsWhenArityOrNamesWrong) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("200", "GET").Inc();
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)vec.DeleteLabelValues("200"); }),
              HasSubstr("http_requests_total"));
  EXPECT_THROW((void)vec.Delete({{"status", "200"}}), std::invalid_argument);
  EXPECT_THROW((void)vec.Delete({{"status", "200"}, {"verb", "GET"}}), std::invalid_argument);
  EXPECT_EQ(vec.Size(), 1u);
}

// --- delete, reset, size ---------------------------------------------------

TEST(VecTest, DeleteLabelValuesReturnsTrueOnceAndShrinksSize) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("200", "GET").Inc();
  vec.WithLabelValues("404", "GET").Inc();
  EXPECT_TRUE(vec.DeleteLabelValues("200", "GET"));
  EXPECT_EQ(vec.Size(), 1u);
  EXPECT_FALSE(vec.DeleteLabelValues("200", "GET"));
  EXPECT_FALSE(vec.DeleteLabelValues("999", "NONE"));
  EXPECT_EQ(vec.Size(), 1u);
  EXPECT_EQ(vec.WithLabelValues("404", "GET").Value(), 1.0);
}

TEST(VecTest, DeleteByLabelsReturnsTrueOnce) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("200", "GET").Inc();
  EXPECT_TRUE(vec.Delete({{"method", "GET"}, {"status", "200"}}));
  EXPECT_FALSE(vec.Delete({{"method", "GET"}, {"status", "200"}}));
  EXPECT_EQ(vec.Size(), 0u);
}

TEST(VecTest, ResetRemovesEveryChild) {
  const CounterVec vec = Requests();
  for (int i = 0; i < 10; ++i) vec.WithLabelValues(std::to_string(i), "GET").Inc();
  EXPECT_EQ(vec.Size(), 10u);
  vec.Reset();
  EXPECT_EQ(vec.Size(), 0u);
  vec.Reset();  // resetting an empty vector is fine
  EXPECT_EQ(vec.WithLabelValues("1", "GET").Value(), 0.0);
  EXPECT_EQ(vec.Size(), 1u);
}

TEST(VecTest, ChildStaysUsableButUnexportedAfterDelete) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = Requests();
  ASSERT_TRUE(registry->RegisterCounterVec("api", "requests", vec).ok());
  const Counter old_child = vec.WithLabelValues("200", "GET");
  old_child.Add(5);
  ASSERT_TRUE(vec.DeleteLabelValues("200", "GET"));

  old_child.Inc();  // must not crash (ASan checks) and still counts locally
  EXPECT_EQ(old_child.Value(), 6.0);
  EXPECT_FALSE(HasFamily(registry->Gather(), "http_requests_total"));

  const Counter new_child = vec.WithLabelValues("200", "GET");
  EXPECT_EQ(new_child.Value(), 0.0);
  new_child.Inc();
  old_child.Add(100);  // the orphan never leaks into the new series
  EXPECT_EQ(ScalarValue(registry->Gather(), "http_requests_total",
                        {{"status", "200"}, {"method", "GET"}}),
            1.0);
}

TEST(VecTest, ChildStaysUsableButUnexportedAfterReset) {
  auto registry = NewMetricsRegistry();
  HistogramOpts opts;
  opts.name = "reset_h";
  opts.help = "help";
  const HistogramVec vec = NewHistogramVec(opts, {"op"});
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "h", vec).ok());
  const Histogram old_child = vec.WithLabelValues("read");
  old_child.Observe(1);
  vec.Reset();
  old_child.Observe(2);
  EXPECT_EQ(old_child.SampleCount(), 2u);
  EXPECT_EQ(old_child.SampleSum(), 3.0);
  EXPECT_FALSE(HasFamily(registry->Gather(), "reset_h"));
  EXPECT_EQ(vec.WithLabelValues("read").SampleCount(), 0u);
}

TEST(VecTest, ChildStaysUsableAfterVecIsGone) {
  Gauge orphan = [] {
    const GaugeVec vec = NewGaugeVec({"", "", "gone_vec", "help", {}}, {"k"});
    return vec.WithLabelValues("v");
  }();
  orphan.Set(4);
  orphan.Inc();
  EXPECT_EQ(orphan.Value(), 5.0);
}

TEST(VecTest, LookupAfterDeleteOfOtherChildStillFindsExistingChild) {
  const CounterVec vec = Requests();
  vec.WithLabelValues("a", "x").Inc();
  vec.WithLabelValues("b", "x").Inc();
  ASSERT_TRUE(vec.DeleteLabelValues("b", "x"));
  vec.WithLabelValues("a", "x").Inc();
  EXPECT_EQ(vec.WithLabelValues("a", "x").Value(), 2.0);
  EXPECT_EQ(vec.Size(), 1u);
}

// --- series cap -------------------------------------------------------------

TEST(VecTest, SetMaxSeriesCapsChildrenAndCountsRejections) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = Requests();
  ASSERT_TRUE(registry->RegisterCounterVec("api", "requests", vec).ok());
  vec.SetMaxSeries(2);
  vec.WithLabelValues("200", "GET").Inc();
  vec.WithLabelValues("404", "GET").Inc();

  const double rejected_before = Rejected();
  vec.WithLabelValues("500", "GET").Inc();
  vec.WithLabelValues("503", "GET").Inc();
  EXPECT_EQ(vec.Size(), 2u);
  EXPECT_EQ(Rejected(), rejected_before + 2);

  // Existing children are unaffected by the cap.
  vec.WithLabelValues("200", "GET").Inc();
  EXPECT_EQ(Rejected(), rejected_before + 2);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "http_requests_total", {{"status", "200"}, {"method", "GET"}}),
            2.0);
  EXPECT_FALSE(ScalarValue(families, "http_requests_total", {{"status", "500"}, {"method", "GET"}})
                   .has_value());
  EXPECT_EQ(FindFamily(families, "http_requests_total")->metric.size(), 2u);
  // This registry exports the same process-wide count.
  EXPECT_EQ(ScalarValue(families, kRejected), rejected_before + 2);
}

TEST(VecTest, SetMaxSeriesAdmitsNewSetAfterDelete) {
  const CounterVec vec = Requests();
  vec.SetMaxSeries(1);
  vec.WithLabelValues("a", "x").Inc();
  vec.WithLabelValues("b", "x").Inc();
  EXPECT_EQ(vec.Size(), 1u);
  ASSERT_TRUE(vec.DeleteLabelValues("a", "x"));
  vec.WithLabelValues("b", "x").Inc();
  EXPECT_EQ(vec.Size(), 1u);
  EXPECT_EQ(vec.WithLabelValues("b", "x").Value(), 1.0);
}

TEST(VecTest, SetMaxSeriesZeroRemovesCap) {
  const CounterVec vec = Requests();
  vec.SetMaxSeries(1);
  vec.WithLabelValues("a", "x").Inc();
  vec.WithLabelValues("b", "x").Inc();
  EXPECT_EQ(vec.Size(), 1u);
  vec.SetMaxSeries(0);
  vec.WithLabelValues("b", "x").Inc();
  vec.WithLabelValues("c", "x").Inc();
  EXPECT_EQ(vec.Size(), 3u);
}

TEST(VecTest, SetMaxSeriesBelowSizeKeepsExistingChildren) {
  const CounterVec vec = Requests();
  for (int i = 0; i < 3; ++i) vec.WithLabelValues(std::to_string(i), "x").Inc();
  vec.SetMaxSeries(1);
  EXPECT_EQ(vec.Size(), 3u);
  vec.WithLabelValues("0", "x").Inc();
  EXPECT_EQ(vec.WithLabelValues("0", "x").Value(), 2.0);
  vec.WithLabelValues("new", "x").Inc();
  EXPECT_EQ(vec.Size(), 3u);
}

TEST(VecTest, CoreRecordPastCapIsCountedNotExported) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.ErrorsTotal.SetMaxSeries(1);
  core.RecordError("svc", "io");
  const double before = Rejected();
  core.RecordError("svc", "timeout");
  core.RecordPanic("svc");
  EXPECT_EQ(Rejected(), before + 2);
  const auto families = registry->Gather();
  EXPECT_EQ(FindFamily(families, "semstreams_errors_total")->metric.size(), 1u);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total", {{"service", "svc"}, {"type", "io"}}),
            1.0);
}

}  // namespace
}  // namespace semstreams::metric

namespace semstreams::metric {
namespace {

// The per-thread cache lends one spare reference to temporary child handles
// (see RecycleChild); these pin down that kept, moved and foreign-thread
// handles still own their child exactly like any shared_ptr would.
TEST(VecRecyclingTest, KeptHandleOutlivesResetAmidTemporaries) {
  const CounterVec vec = NewCounterVec({.name = "recycle_total", .help = "h"}, {"k"});
  const Counter kept = vec.WithLabelValues("a");
  for (int i = 0; i < 100; ++i) vec.WithLabelValues("a").Inc();
  kept.Inc();
  vec.Reset();
  for (int i = 0; i < 100; ++i) vec.WithLabelValues("b").Inc();  // evicts nothing it needs
  kept.Inc();
  EXPECT_EQ(kept.Value(), 102);
  EXPECT_EQ(vec.WithLabelValues("a").Value(), 0);  // a new child after Reset
  EXPECT_EQ(vec.WithLabelValues("b").Value(), 100);
}

TEST(VecRecyclingTest, MovedFromAndCopiedHandlesStayConsistent) {
  const GaugeVec vec = NewGaugeVec({.name = "recycle_gauge", .help = "h"}, {"k"});
  Gauge first = vec.WithLabelValues("x");
  Gauge second = std::move(first);
  Gauge third = second;
  third.Set(7);
  { Gauge temporary = vec.WithLabelValues("x"); }
  vec.DeleteLabelValues("x");
  EXPECT_EQ(second.Value(), 7);
  first = third;  // assigning to a moved-from handle
  EXPECT_EQ(first.Value(), 7);
}

TEST(VecRecyclingTest, HandlesDestroyedOnOtherThreadsReleaseTheirChild) {
  const HistogramVec vec =
      NewHistogramVec({.name = "recycle_seconds", .help = "h", .buckets = {1}}, {"k"});
  std::vector<Histogram> made;
  for (int i = 0; i < 64; ++i) made.push_back(vec.WithLabelValues(std::to_string(i % 4)));
  std::thread other([moved = std::move(made)]() mutable {
    for (auto& handle : moved) handle.Observe(0.5);
    moved.clear();  // destroyed here, where this thread's cache knows none of them
  });
  other.join();
  vec.Reset();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(vec.WithLabelValues(std::to_string(i)).SampleCount(), 0u);
}

TEST(VecRecyclingTest, ConcurrentTemporariesAndResetsKeepExactTotalsOnKeptHandles) {
  const CounterVec vec = NewCounterVec({.name = "recycle_race_total", .help = "h"}, {"k"});
  // Kept handles own their children through every Reset; the temporaries on
  // "hot" borrow and return spare references while Reset drops their child.
  const Counter kept = vec.WithLabelValues("kept");
  std::atomic<bool> stop{false};
  std::thread resetter([&] {
    while (!stop.load()) vec.Reset();
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      const Counter mine = vec.WithLabelValues("hot");
      for (int i = 0; i < 20000; ++i) {
        vec.WithLabelValues("hot").Inc();
        kept.Inc();
        mine.Inc();
      }
      EXPECT_GE(mine.Value(), 20000);  // its own child, plus temporaries before a Reset
    });
  }
  for (auto& worker : workers) worker.join();
  stop = true;
  resetter.join();
  EXPECT_EQ(kept.Value(), 3 * 20000);
}

}  // namespace
}  // namespace semstreams::metric
