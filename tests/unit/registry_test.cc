#include "semstreams/metric/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using ::testing::ElementsAre;
using testing::FamilyNames;
using testing::FindFamily;
using testing::FindSeries;
using testing::HasFamily;
using ::testing::HasSubstr;
using testing::ScalarValue;

CounterOpts CounterDef(std::string name, std::string help = "help text") {
  CounterOpts opts;
  opts.name = std::move(name);
  opts.help = std::move(help);
  return opts;
}

GaugeOpts GaugeDef(std::string name, std::string help = "help text") {
  GaugeOpts opts;
  opts.name = std::move(name);
  opts.help = std::move(help);
  return opts;
}

HistogramOpts HistogramDef(std::string name, std::vector<double> buckets = DefBuckets()) {
  HistogramOpts opts;
  opts.name = std::move(name);
  opts.help = "help text";
  opts.buckets = std::move(buckets);
  return opts;
}

int CountFamilies(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  int count = 0;
  for (const auto& family : families) count += family.name == name ? 1 : 0;
  return count;
}

// A valid metric of the same name must register under the same key after a
// failure: that is what "nothing is half-registered" means to a caller.
void ExpectNameAndKeyStillFree(MetricsRegistry& registry, const std::string& service,
                               const std::string& metric, const std::string& name) {
  const Counter valid = NewCounter(CounterDef(name));
  const Status status = registry.RegisterCounter(service, metric, valid);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(registry.Unregister(service, metric));
}

// --- idempotence and duplicates -------------------------------------------

TEST(RegistryTest, RegisterSucceedsAgainWhenSameHandleSameKey) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("requests_total"));
  ASSERT_TRUE(registry->RegisterCounter("svc", "requests", counter).ok());
  const Status again = registry->RegisterCounter("svc", "requests", counter);
  EXPECT_TRUE(again.ok()) << again.ToString();
  counter.Add(3);
  const auto families = registry->Gather();
  EXPECT_EQ(CountFamilies(families, "requests_total"), 1);
  EXPECT_EQ(ScalarValue(families, "requests_total"), 3.0);
}

TEST(RegistryTest, RegisterSucceedsAgainWhenCopyOfHandleSameKey) {
  auto registry = NewMetricsRegistry();
  const Gauge gauge = NewGauge(GaugeDef("depth"));
  const Gauge copy = gauge;  // NOLINT(performance-unnecessary-copy-initialization)
  ASSERT_TRUE(registry->RegisterGauge("svc", "depth", gauge).ok());
  EXPECT_TRUE(registry->RegisterGauge("svc", "depth", copy).ok());
}

TEST(RegistryTest, RegisterSucceedsAgainWhenSameVecSameKey) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = NewCounterVec(CounterDef("hits_total"), {"code"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "hits", vec).ok());
  EXPECT_TRUE(registry->RegisterCounterVec("svc", "hits", vec).ok());
}

TEST(RegistryTest, RegisterFailsAlreadyRegisteredWhenOtherHandleSameKey) {
  auto registry = NewMetricsRegistry();
  const Counter first = NewCounter(CounterDef("requests_total"));
  const Counter second = NewCounter(CounterDef("requests_total"));
  ASSERT_TRUE(registry->RegisterCounter("svc", "requests", first).ok());
  const Status status = registry->RegisterCounter("svc", "requests", second);
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyRegistered);
  EXPECT_THAT(status.message(), HasSubstr("already registered"));
  EXPECT_THAT(status.message(), HasSubstr("svc.requests"));
  // The first registration is untouched: it is still what is exported.
  first.Inc();
  second.Add(100);
  EXPECT_EQ(ScalarValue(registry->Gather(), "requests_total"), 1.0);
}

TEST(RegistryTest, RegisterFailsAlreadyRegisteredWhenOtherKindSameKey) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCounter("svc", "m", NewCounter(CounterDef("a_total"))).ok());
  const Status gauge = registry->RegisterGauge("svc", "m", NewGauge(GaugeDef("b")));
  EXPECT_EQ(gauge.code(), ErrorCode::kAlreadyRegistered);
  const Status histogram = registry->RegisterHistogram("svc", "m", NewHistogram(HistogramDef("c")));
  EXPECT_EQ(histogram.code(), ErrorCode::kAlreadyRegistered);
  const Status vec = registry->RegisterGaugeVec("svc", "m", NewGaugeVec(GaugeDef("d"), {"label"}));
  EXPECT_EQ(vec.code(), ErrorCode::kAlreadyRegistered);
  EXPECT_THAT(vec.message(), HasSubstr("already registered"));
}

// --- prometheus conflicts --------------------------------------------------

TEST(RegistryTest, RegisterFailsConflictWhenNameExportedByAnotherKey) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCounter("a", "m", NewCounter(CounterDef("shared_total"))).ok());
  const Status status = registry->RegisterCounter("b", "m", NewCounter(CounterDef("shared_total")));
  EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict);
  EXPECT_THAT(status.message(), HasSubstr("prometheus conflict"));
  EXPECT_THAT(status.message(), HasSubstr("shared_total"));
  ExpectNameAndKeyStillFree(*registry, "b", "m", "other_total");
}

TEST(RegistryTest, RegisterFailsConflictWhenSameHandleUnderSecondKey) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("once_total"));
  ASSERT_TRUE(registry->RegisterCounter("a", "m", counter).ok());
  const Status status = registry->RegisterCounter("a", "other", counter);
  EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict);
  EXPECT_THAT(status.message(), HasSubstr("prometheus conflict"));
}

TEST(RegistryTest, RegisterFailsConflictWhenNameDiffersOnlyByKind) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterGauge("a", "m", NewGauge(GaugeDef("value"))).ok());
  const Status status =
      registry->RegisterHistogramVec("b", "m", NewHistogramVec(HistogramDef("value"), {"x"}));
  EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict);
}

TEST(RegistryTest, RegisterFailsConflictWhenNameIsCoreFamily) {
  auto registry = NewMetricsRegistry();
  CounterOpts opts = CounterDef("errors_total");
  opts.ns = "semstreams";
  const Status status = registry->RegisterCounter("svc", "errors", NewCounter(opts));
  EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict);
  EXPECT_THAT(status.message(), HasSubstr("prometheus conflict"));
  EXPECT_THAT(status.message(), HasSubstr("semstreams_errors_total"));
  // Still exactly one semstreams_errors_total, the core one.
  registry->CoreMetrics().RecordError("svc", "io");
  const auto families = registry->Gather();
  EXPECT_EQ(CountFamilies(families, "semstreams_errors_total"), 1);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total", {{"service", "svc"}, {"type", "io"}}),
            1.0);
}

TEST(RegistryTest, RegisterFailsConflictWhenNameIsEveryCoreFamily) {
  auto registry = NewMetricsRegistry();
  for (const char* name :
       {"semstreams_service_status", "semstreams_messages_received_total",
        "semstreams_messages_processed_total", "semstreams_messages_published_total",
        "semstreams_processing_duration_seconds", "semstreams_errors_total",
        "semstreams_health_status", "semstreams_nats_connected", "semstreams_nats_rtt_milliseconds",
        "semstreams_nats_reconnects_total", "semstreams_nats_circuit_breaker",
        "semstreams_nats_messages_total", "semstreams_metric_cardinality_rejected_total"}) {
    const Status status = registry->RegisterGauge("svc", "m", NewGauge(GaugeDef(name)));
    EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict) << name;
  }
}

TEST(RegistryTest, RegisterFailsConflictWhenNameIsProcessCollectorFamily) {
  auto registry = NewMetricsRegistry();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    const Status status = registry->RegisterGauge("svc", "m", NewGauge(GaugeDef(name)));
    EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict) << name;
    EXPECT_THAT(status.message(), HasSubstr("prometheus conflict")) << name;
  }
  EXPECT_EQ(CountFamilies(registry->Gather(), "process_open_fds"), 1);
}

TEST(RegistryTest, RegisterFailsConflictWhenNameAddedThroughPrometheusRegistry) {
  auto registry = NewMetricsRegistry();
  auto& family = prometheus::BuildCounter()
                     .Name("raw_events_total")
                     .Help("Events counted through prometheus-cpp directly")
                     .Register(*registry->PrometheusRegistry());
  family.Add({{"kind", "a"}}).Increment(2);
  const Status status =
      registry->RegisterCounter("svc", "raw", NewCounter(CounterDef("raw_events_total")));
  EXPECT_EQ(status.code(), ErrorCode::kPrometheusConflict);
  EXPECT_THAT(status.message(), HasSubstr("prometheus conflict"));
  const auto families = registry->Gather();
  EXPECT_EQ(CountFamilies(families, "raw_events_total"), 1);
  EXPECT_EQ(ScalarValue(families, "raw_events_total", {{"kind", "a"}}), 2.0);
  ExpectNameAndKeyStillFree(*registry, "svc", "raw", "raw_events_other_total");
}

// --- invalid definitions ---------------------------------------------------

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenMetricNameInvalid) {
  auto registry = NewMetricsRegistry();
  // Any non-empty UTF-8 is a name (Prometheus 3); bytes that are not UTF-8 are not.
  for (const char* name : {"", "bad\xff", "\xc3\x28", "\xed\xa0\x80surrogate"}) {
    const Status status = registry->RegisterCounter("svc", "m", NewCounter(CounterDef(name)));
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << "name '" << name << "'";
  }
  ExpectNameAndKeyStillFree(*registry, "svc", "m", "valid_total");
}

TEST(RegistryTest, RegisterSucceedsWhenMetricNameHasColonOrUnderscoreStart) {
  auto registry = NewMetricsRegistry();
  EXPECT_TRUE(registry->RegisterCounter("svc", "a", NewCounter(CounterDef("job:rate:sum"))).ok());
  EXPECT_TRUE(registry->RegisterCounter("svc", "b", NewCounter(CounterDef("_private"))).ok());
}

TEST(RegistryTest, RegisterAcceptsUtf8NamesAsPrometheus3Does) {
  auto registry = NewMetricsRegistry();
  for (const char* name :
       {"1starts_with_digit", "has-dash", "has space", "svc.requests.served", "ü"}) {
    EXPECT_TRUE(registry->RegisterCounter("svc", name, NewCounter(CounterDef(name))).ok()) << name;
  }
  const CounterVec vec = NewCounterVec(CounterDef("vec_total"), {"http.method", "1digit"});
  EXPECT_TRUE(registry->RegisterCounterVec("svc", "vec", vec).ok());
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenFQNamePartInvalid) {
  auto registry = NewMetricsRegistry();
  CounterOpts opts = CounterDef("ok_total");
  opts.ns = "bad\xff";
  EXPECT_EQ(registry->RegisterCounter("svc", "m", NewCounter(opts)).code(),
            ErrorCode::kInvalidArgument);
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenHelpEmpty) {
  auto registry = NewMetricsRegistry();
  const Status status =
      registry->RegisterCounter("svc", "m", NewCounter(CounterDef("no_help_total", "")));
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no_help_total"));
  EXPECT_FALSE(HasFamily(registry->Gather(), "no_help_total"));
  ExpectNameAndKeyStillFree(*registry, "svc", "m", "no_help_total");
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenLabelNameInvalid) {
  auto registry = NewMetricsRegistry();
  const std::vector<std::vector<std::string>> bad_label_sets = {
      {"__reserved"}, {"__"}, {"bad\xff"}, {""}, {"dup", "dup"},
  };
  for (const auto& labels : bad_label_sets) {
    const Status status =
        registry->RegisterCounterVec("svc", "m", NewCounterVec(CounterDef("vec_total"), labels));
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << labels[0];
    EXPECT_THAT(status.message(), HasSubstr("vec_total")) << labels[0];
  }
  ExpectNameAndKeyStillFree(*registry, "svc", "m", "vec_total");
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenConstLabelNameInvalid) {
  auto registry = NewMetricsRegistry();
  for (const char* label : {"__reserved", "bad\xfe", ""}) {
    CounterOpts opts = CounterDef("const_total");
    opts.const_labels = {{label, "v"}};
    EXPECT_EQ(registry->RegisterCounter("svc", "m", NewCounter(opts)).code(),
              ErrorCode::kInvalidArgument)
        << label;
  }
  // A const label and a variable label of one name would export it twice.
  CounterOpts opts = CounterDef("const_total");
  opts.const_labels = {{"zone", "eu"}};
  EXPECT_EQ(registry->RegisterCounterVec("svc", "m", NewCounterVec(opts, {"zone"})).code(),
            ErrorCode::kInvalidArgument);
  ExpectNameAndKeyStillFree(*registry, "svc", "m", "const_total");
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenHistogramUsesLeLabel) {
  auto registry = NewMetricsRegistry();
  EXPECT_EQ(
      registry->RegisterHistogramVec("svc", "m", NewHistogramVec(HistogramDef("h"), {"le"})).code(),
      ErrorCode::kInvalidArgument);
  HistogramOpts opts = HistogramDef("h");
  opts.const_labels = {{"le", "1"}};
  EXPECT_EQ(registry->RegisterHistogram("svc", "m", NewHistogram(opts)).code(),
            ErrorCode::kInvalidArgument);
  // "le" is reserved for histograms only, as in Go.
  EXPECT_TRUE(
      registry->RegisterCounterVec("svc", "c", NewCounterVec(CounterDef("le_ok_total"), {"le"}))
          .ok());
  EXPECT_FALSE(HasFamily(registry->Gather(), "h"));
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenBucketsBad) {
  auto registry = NewMetricsRegistry();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> bad = {{1, 0.5}, {0.1, 0.1}, {0.1, nan, 1}, {nan}};
  for (const auto& buckets : bad) {
    EXPECT_EQ(
        registry->RegisterHistogram("svc", "m", NewHistogram(HistogramDef("h", buckets))).code(),
        ErrorCode::kInvalidArgument);
    EXPECT_EQ(
        registry
            ->RegisterHistogramVec("svc", "m", NewHistogramVec(HistogramDef("h", buckets), {"x"}))
            .code(),
        ErrorCode::kInvalidArgument);
  }
  ExpectNameAndKeyStillFree(*registry, "svc", "m", "h");
}

TEST(RegistryTest, RegisterAcceptsTrailingInfBucketLikeGo) {
  auto registry = NewMetricsRegistry();
  const Histogram histogram =
      NewHistogram(HistogramDef("inf_h", {1, std::numeric_limits<double>::infinity()}));
  ASSERT_TRUE(registry->RegisterHistogram("svc", "m", histogram).ok());
  histogram.Observe(5);
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "inf_h");
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 1u);
  const auto& buckets = family->metric[0].histogram.bucket;
  ASSERT_EQ(buckets.size(), 2u);  // le="1" and le="+Inf", not two +Inf buckets
  EXPECT_EQ(buckets[0].upper_bound, 1);
  EXPECT_EQ(buckets[0].cumulative_count, 0u);
  EXPECT_TRUE(std::isinf(buckets[1].upper_bound));
  EXPECT_EQ(buckets[1].cumulative_count, 1u);
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenServiceOrMetricEmpty) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("empty_key_total"));
  EXPECT_EQ(registry->RegisterCounter("", "m", counter).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry->RegisterCounter("svc", "", counter).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry->RegisterCounter("", "", counter).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(registry->RegisterCounter("svc", "m", counter).ok());
}

TEST(RegistryTest, RegisterFailsInvalidArgumentWhenGivenVecChild) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = NewCounterVec(CounterDef("parent_total"), {"code"});
  const Status counter = registry->RegisterCounter("svc", "child", vec.WithLabelValues("200"));
  EXPECT_EQ(counter.code(), ErrorCode::kInvalidArgument);
  const GaugeVec gauges = NewGaugeVec(GaugeDef("parent_gauge"), {"code"});
  EXPECT_EQ(registry->RegisterGauge("svc", "child", gauges.WithLabelValues("1")).code(),
            ErrorCode::kInvalidArgument);
  const HistogramVec histograms = NewHistogramVec(HistogramDef("parent_h"), {"code"});
  EXPECT_EQ(registry->RegisterHistogram("svc", "child", histograms.WithLabelValues("1")).code(),
            ErrorCode::kInvalidArgument);
  // The vector itself is still registrable, under the key the child tried.
  EXPECT_TRUE(registry->RegisterCounterVec("svc", "child", vec).ok());
}

TEST(RegistryTest, FailedRegistrationExportsNothing) {
  auto registry = NewMetricsRegistry();
  const auto before = FamilyNames(registry->Gather());
  const Counter bad = NewCounter(CounterDef("bad\xff"));
  bad.Inc();
  EXPECT_FALSE(registry->RegisterCounter("svc", "m", bad).ok());
  const Counter no_help = NewCounter(CounterDef("fine_total", ""));
  no_help.Inc();
  EXPECT_FALSE(registry->RegisterCounter("svc", "m", no_help).ok());
  EXPECT_EQ(FamilyNames(registry->Gather()), before);
  EXPECT_FALSE(registry->Unregister("svc", "m"));
}

// --- unregister ------------------------------------------------------------

TEST(RegistryTest, UnregisterReturnsTrueThenFalse) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCounter("svc", "m", NewCounter(CounterDef("gone_total"))).ok());
  EXPECT_TRUE(registry->Unregister("svc", "m"));
  EXPECT_FALSE(registry->Unregister("svc", "m"));
  EXPECT_FALSE(registry->Unregister("svc", "never"));
  EXPECT_FALSE(registry->Unregister("", ""));
}

TEST(RegistryTest, UnregisterStopsExportAndFreesNameAndKey) {
  auto registry = NewMetricsRegistry();
  const Counter first = NewCounter(CounterDef("reused_total"));
  first.Inc();
  ASSERT_TRUE(registry->RegisterCounter("svc", "m", first).ok());
  ASSERT_TRUE(HasFamily(registry->Gather(), "reused_total"));
  ASSERT_TRUE(registry->Unregister("svc", "m"));
  EXPECT_FALSE(HasFamily(registry->Gather(), "reused_total"));

  // The name is free for another key, and the key for another handle.
  const Counter second = NewCounter(CounterDef("reused_total"));
  second.Add(7);
  EXPECT_TRUE(registry->RegisterCounter("other", "m", second).ok());
  EXPECT_EQ(ScalarValue(registry->Gather(), "reused_total"), 7.0);
  ASSERT_TRUE(registry->Unregister("other", "m"));
  EXPECT_TRUE(registry->RegisterGauge("svc", "m", NewGauge(GaugeDef("reused_gauge"))).ok());
}

TEST(RegistryTest, UnregisterDoesNotTouchCoreFamilies) {
  auto registry = NewMetricsRegistry();
  EXPECT_FALSE(registry->Unregister("semstreams", "errors_total"));
  EXPECT_FALSE(registry->Unregister("core metrics", ""));
  registry->CoreMetrics().RecordNATSReconnect();
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_reconnects_total"), 1.0);
}

// --- gather -----------------------------------------------------------------

TEST(RegistryTest, GatherSortsFamiliesByName) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterGauge("z", "m", NewGauge(GaugeDef("zzz_last"))).ok());
  ASSERT_TRUE(registry->RegisterGauge("a", "m", NewGauge(GaugeDef("aaa_first"))).ok());
  ASSERT_TRUE(registry->RegisterGauge("m", "m", NewGauge(GaugeDef("mmm_middle"))).ok());
  prometheus::BuildGauge()
      .Name("ggg_raw")
      .Help("raw")
      .Register(*registry->PrometheusRegistry())
      .Add({})
      .Set(1);
  const auto names = FamilyNames(registry->Gather());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "duplicate family";
  EXPECT_EQ(names.front(), "aaa_first");
  EXPECT_EQ(names.back(), "zzz_last");
  EXPECT_NE(std::find(names.begin(), names.end(), "ggg_raw"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "mmm_middle"), names.end());
}

TEST(RegistryTest, GatherOrdersSeriesByLabelValuesStably) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = NewCounterVec(CounterDef("ordered_total"), {"a", "b"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "m", vec).ok());
  vec.WithLabelValues("y", "1").Inc();
  vec.WithLabelValues("x", "2").Inc();
  vec.WithLabelValues("x", "10").Inc();
  vec.WithLabelValues("z", "0").Inc();
  const auto first = registry->Gather();
  const auto* family = FindFamily(first, "ordered_total");
  ASSERT_NE(family, nullptr);
  std::vector<std::string> order;
  for (const auto& series : family->metric) {
    ASSERT_EQ(series.label.size(), 2u);
    EXPECT_EQ(series.label[0].name, "a");
    EXPECT_EQ(series.label[1].name, "b");
    order.push_back(series.label[0].value + series.label[1].value);
  }
  EXPECT_THAT(order, ElementsAre("x10", "x2", "y1", "z0"));
  for (int i = 0; i < 5; ++i) {
    const auto again = registry->Gather();
    const auto* again_family = FindFamily(again, "ordered_total");
    ASSERT_NE(again_family, nullptr);
    ASSERT_EQ(again_family->metric.size(), family->metric.size());
    for (std::size_t j = 0; j < family->metric.size(); ++j) {
      EXPECT_EQ(again_family->metric[j].label, family->metric[j].label);
    }
  }
}

TEST(RegistryTest, GatherOmitsFamiliesWithoutSeries) {
  auto registry = NewMetricsRegistry();
  const GaugeVec vec = NewGaugeVec(GaugeDef("empty_vec"), {"k"});
  ASSERT_TRUE(registry->RegisterGaugeVec("svc", "m", vec).ok());
  prometheus::BuildCounter()
      .Name("raw_empty_total")
      .Help("no series")
      .Register(*registry->PrometheusRegistry());
  auto families = registry->Gather();
  EXPECT_EQ(FindFamily(families, "empty_vec"), nullptr);
  EXPECT_EQ(FindFamily(families, "raw_empty_total"), nullptr);
  // Core vectors are empty in a fresh registry; the plain NATS gauges are not.
  EXPECT_EQ(FindFamily(families, "semstreams_errors_total"), nullptr);
  EXPECT_EQ(FindFamily(families, "semstreams_service_status"), nullptr);
  EXPECT_NE(FindFamily(families, "semstreams_nats_connected"), nullptr);
  for (const auto& family : families) EXPECT_FALSE(family.metric.empty()) << family.name;

  vec.WithLabelValues("x").Set(2);
  families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "empty_vec", {{"k", "x"}}), 2.0);
  vec.Reset();
  EXPECT_FALSE(HasFamily(registry->Gather(), "empty_vec"));
}

TEST(RegistryTest, GatherIncludesRawPrometheusRegistryFamilies) {
  auto registry = NewMetricsRegistry();
  auto& family = prometheus::BuildGauge()
                     .Name("raw_temperature")
                     .Help("Set through prometheus-cpp")
                     .Register(*registry->PrometheusRegistry());
  family.Add({{"room", "lab"}}).Set(21.5);
  const auto families = registry->Gather();
  const auto* raw = FindFamily(families, "raw_temperature");
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->type, prometheus::MetricType::Gauge);
  EXPECT_EQ(raw->help, "Set through prometheus-cpp");
  EXPECT_EQ(ScalarValue(families, "raw_temperature", {{"room", "lab"}}), 21.5);
  // Collect() is what the Exposer calls: it must agree with Gather().
  EXPECT_EQ(FamilyNames(registry->Collect()), FamilyNames(families));
}

TEST(RegistryTest, GatherNeverExportsOneNameTwiceWhenRawFamilyAddedLater) {
  auto registry = NewMetricsRegistry();
  const Counter ours = NewCounter(CounterDef("contested_total"));
  ours.Add(4);
  ASSERT_TRUE(registry->RegisterCounter("svc", "m", ours).ok());
  prometheus::BuildCounter()
      .Name("contested_total")
      .Help("raw")
      .Register(*registry->PrometheusRegistry())
      .Add({})
      .Increment(9);
  const auto families = registry->Gather();
  EXPECT_EQ(CountFamilies(families, "contested_total"), 1);
  EXPECT_EQ(ScalarValue(families, "contested_total"), 4.0);
}

TEST(RegistryTest, GatherExportsConstLabelsBeforeVariableLabels) {
  auto registry = NewMetricsRegistry();
  CounterOpts opts = CounterDef("labelled_total");
  opts.const_labels = {{"zone", "eu"}};
  const CounterVec vec = NewCounterVec(opts, {"code"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "m", vec).ok());
  vec.WithLabelValues("500").Add(2);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "labelled_total", {{"zone", "eu"}, {"code", "500"}}), 2.0);
  const auto* family = FindFamily(families, "labelled_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, prometheus::MetricType::Counter);
  EXPECT_EQ(family->help, "help text");
}

// --- lifetimes --------------------------------------------------------------

TEST(RegistryTest, HandleKeepsWorkingAfterUnregister) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("after_total"));
  const HistogramVec vec = NewHistogramVec(HistogramDef("after_h"), {"op"});
  ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "h", vec).ok());
  const Histogram child = vec.WithLabelValues("read");
  ASSERT_TRUE(registry->Unregister("svc", "c"));
  ASSERT_TRUE(registry->Unregister("svc", "h"));
  counter.Add(2);
  child.Observe(0.2);
  vec.WithLabelValues("write").Observe(1);
  EXPECT_EQ(counter.Value(), 2.0);
  EXPECT_EQ(child.SampleCount(), 1u);
  EXPECT_EQ(vec.Size(), 2u);
  const auto families = registry->Gather();
  EXPECT_EQ(FindFamily(families, "after_total"), nullptr);
  EXPECT_EQ(FindFamily(families, "after_h"), nullptr);
}

TEST(RegistryTest, HandlesKeepWorkingAfterRegistryDestroyed) {
  const Counter counter = NewCounter(CounterDef("outlive_total"));
  const GaugeVec vec = NewGaugeVec(GaugeDef("outlive_vec"), {"k"});
  Gauge child = vec.WithLabelValues("before");
  std::unique_ptr<CoreMetrics> core;
  {
    auto registry = NewMetricsRegistry();
    ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
    ASSERT_TRUE(registry->RegisterGaugeVec("svc", "v", vec).ok());
    registry->CoreMetrics().RecordError("svc", "io");
    core = std::make_unique<CoreMetrics>(registry->CoreMetrics());
  }
  // ASan turns any use of freed registry state here into a failure.
  counter.Inc();
  child.Set(3);
  vec.WithLabelValues("after").Inc();
  EXPECT_TRUE(vec.DeleteLabelValues("before"));
  vec.Reset();
  core->RecordError("svc", "io");
  core->RecordNATSRTT(std::chrono::milliseconds(2));
  EXPECT_EQ(counter.Value(), 1.0);
  EXPECT_EQ(child.Value(), 3.0);
  EXPECT_EQ(core->ErrorsTotal.WithLabelValues("svc", "io").Value(), 2.0);
  EXPECT_EQ(core->NATSRTT.Value(), 2.0);

  // The handles can be registered again in a new registry.
  auto next = NewMetricsRegistry();
  EXPECT_TRUE(next->RegisterCounter("svc", "c", counter).ok());
  EXPECT_EQ(ScalarValue(next->Gather(), "outlive_total"), 1.0);
}

TEST(RegistryTest, HandleRegisteredInTwoRegistriesExportsInBoth) {
  auto first = NewMetricsRegistry();
  auto second = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("twice_total"));
  ASSERT_TRUE(first->RegisterCounter("svc", "m", counter).ok());
  ASSERT_TRUE(second->RegisterCounter("svc", "m", counter).ok());
  counter.Add(5);
  EXPECT_EQ(ScalarValue(first->Gather(), "twice_total"), 5.0);
  EXPECT_EQ(ScalarValue(second->Gather(), "twice_total"), 5.0);
  first.reset();
  counter.Inc();
  EXPECT_EQ(ScalarValue(second->Gather(), "twice_total"), 6.0);
}

TEST(RegistryTest, RegistriesHaveIndependentCoreMetrics) {
  auto first = NewMetricsRegistry();
  auto second = NewMetricsRegistry();
  first->CoreMetrics().RecordNATSReconnect();
  EXPECT_EQ(ScalarValue(first->Gather(), "semstreams_nats_reconnects_total"), 1.0);
  EXPECT_EQ(ScalarValue(second->Gather(), "semstreams_nats_reconnects_total"), 0.0);
}

TEST(RegistryTest, WorksThroughRegistrarInterface) {
  auto registry = NewMetricsRegistry();
  MetricsRegistrar& registrar = *registry;
  const CounterVec vec = NewCounterVec(CounterDef("via_interface_total"), {"k"});
  EXPECT_TRUE(registrar.RegisterCounterVec("svc", "m", vec).ok());
  vec.WithLabelValues("v").Inc();
  EXPECT_EQ(ScalarValue(registry->Gather(), "via_interface_total", {{"k", "v"}}), 1.0);
  EXPECT_TRUE(registrar.Unregister("svc", "m"));
}

}  // namespace
}  // namespace semstreams::metric

namespace semstreams::metric {
namespace {

TEST(RegistryTest, HistogramSuffixNamesConflictBothWays) {
  auto registry = NewMetricsRegistry();
  const Histogram latency = NewHistogram({.name = "latency_seconds", .help = "Latency"});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "latency", latency).ok());
  const Counter count = NewCounter({.name = "latency_seconds_count", .help = "Clash"});
  const Status clash = registry->RegisterCounter("svc", "latency_count", count);
  EXPECT_EQ(clash.code(), ErrorCode::kPrometheusConflict);
  EXPECT_NE(clash.message().find("latency_seconds_count"), std::string::npos);

  const Gauge sum = NewGauge({.name = "size_bytes_sum", .help = "Taken first"});
  ASSERT_TRUE(registry->RegisterGauge("svc", "size_sum", sum).ok());
  const Histogram size = NewHistogram({.name = "size_bytes", .help = "Size"});
  EXPECT_EQ(registry->RegisterHistogram("svc", "size", size).code(),
            ErrorCode::kPrometheusConflict);
  // Unregistering the histogram frees all four names.
  ASSERT_TRUE(registry->Unregister("svc", "latency"));
  EXPECT_TRUE(registry->RegisterCounter("svc", "latency_count", count).ok());
}

TEST(RegistryTest, CoreHistogramSuffixesAreTaken) {
  auto registry = NewMetricsRegistry();
  const Counter clash =
      NewCounter({.name = "semstreams_processing_duration_seconds_bucket", .help = "Clash"});
  EXPECT_EQ(registry->RegisterCounter("svc", "clash", clash).code(),
            ErrorCode::kPrometheusConflict);
}

}  // namespace
}  // namespace semstreams::metric
