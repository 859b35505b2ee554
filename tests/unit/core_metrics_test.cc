#include "semstreams/metric/core_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using ::testing::ElementsAreArray;
using testing::FindFamily;
using testing::FindSeries;
using testing::HasFamily;
using testing::LabelNames;
using testing::ScalarValue;
using Labels = std::map<std::string, std::string>;

struct FamilySpec {
  std::string name;
  prometheus::MetricType type;
  std::vector<std::string> labels;
  std::string help;
};

// The core families as the Go package defines them (docs/metrics-guide.md's
// table), verbatim, plus semstreams_nats_messages_total.
const std::vector<FamilySpec>& CoreFamilySpecs() {
  using prometheus::MetricType;
  static const std::vector<FamilySpec> specs = {
      {"semstreams_service_status",
       MetricType::Gauge,
       {"service"},
       "Service status (0=stopped, 1=starting, 2=running, 3=stopping, 4=failed)"},
      {"semstreams_messages_received_total",
       MetricType::Counter,
       {"service", "type"},
       "Total number of messages received"},
      {"semstreams_messages_processed_total",
       MetricType::Counter,
       {"service", "type", "status"},
       "Total number of messages processed"},
      {"semstreams_messages_published_total",
       MetricType::Counter,
       {"service", "subject"},
       "Total number of messages published"},
      {"semstreams_processing_duration_seconds",
       MetricType::Histogram,
       {"service", "operation"},
       "Message processing duration in seconds"},
      {"semstreams_errors_total",
       MetricType::Counter,
       {"service", "type"},
       "Total number of errors"},
      {"semstreams_health_status",
       MetricType::Gauge,
       {"service"},
       "Health check status (0=unhealthy, 1=healthy)"},
      {"semstreams_nats_connected",
       MetricType::Gauge,
       {},
       "NATS connection status (0=disconnected, 1=connected)"},
      {"semstreams_nats_rtt_milliseconds",
       MetricType::Gauge,
       {},
       "NATS round-trip time in milliseconds"},
      {"semstreams_nats_reconnects_total",
       MetricType::Counter,
       {},
       "Total number of NATS reconnections"},
      {"semstreams_nats_circuit_breaker",
       MetricType::Gauge,
       {},
       "NATS circuit breaker status (0=closed, 1=open, 2=half-open)"},
  };
  return specs;
}

// Records one sample in every core family so that each of them is exported.
void TouchEveryFamily(CoreMetrics& core) {
  core.RecordServiceStatus("svc", 2);
  core.RecordMessageReceived("svc", "json");
  core.RecordMessageProcessed("svc", "json", "success");
  core.RecordMessagePublished("svc", "out");
  core.RecordProcessingDuration("svc", "parse", std::chrono::milliseconds(1));
  core.RecordError("svc", "io");
  core.RecordHealthStatus("svc", true);
  core.RecordNATSStatus(true);
  core.RecordNATSRTT(std::chrono::milliseconds(1));
  core.RecordNATSReconnect();
  core.RecordCircuitBreakerState(0);
  core.RecordNATSMessages("in", 1);
}

TEST(CoreMetricsTest, ExportsEveryTableFamilyWithExactNameTypeLabelsAndHelp) {
  auto registry = NewMetricsRegistry();
  TouchEveryFamily(registry->CoreMetrics());
  const auto families = registry->Gather();
  for (const auto& spec : CoreFamilySpecs()) {
    SCOPED_TRACE(spec.name);
    const auto* family = FindFamily(families, spec.name);
    ASSERT_NE(family, nullptr);
    EXPECT_EQ(family->type, spec.type);
    EXPECT_EQ(family->help, spec.help);
    ASSERT_EQ(family->metric.size(), 1u);
    EXPECT_THAT(LabelNames(family->metric[0]), ElementsAreArray(spec.labels));
  }
}

TEST(CoreMetricsTest, ExportsNatsMessagesFamilyBySubject) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordNATSMessages("input-subject", 50);
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "semstreams_nats_messages_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, prometheus::MetricType::Counter);
  EXPECT_FALSE(family->help.empty());
  ASSERT_EQ(family->metric.size(), 1u);
  EXPECT_THAT(LabelNames(family->metric[0]), ElementsAreArray({"subject"}));
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_messages_total", {{"subject", "input-subject"}}),
            50.0);
}

TEST(CoreMetricsTest, ProcessingDurationUsesDefBuckets) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().ObserveProcessingDuration("svc", 0.3);
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "semstreams_processing_duration_seconds");
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 1u);
  std::vector<double> bounds;
  for (const auto& bucket : family->metric[0].histogram.bucket)
    bounds.push_back(bucket.upper_bound);
  std::vector<double> want = DefBuckets();
  want.push_back(std::numeric_limits<double>::infinity());
  EXPECT_EQ(bounds, want);
}

TEST(CoreMetricsTest, CoreVectorsAreAbsentUntilRecorded) {
  auto registry = NewMetricsRegistry();
  const auto families = registry->Gather();
  for (const char* name :
       {"semstreams_service_status", "semstreams_messages_received_total",
        "semstreams_messages_processed_total", "semstreams_messages_published_total",
        "semstreams_processing_duration_seconds", "semstreams_errors_total",
        "semstreams_health_status", "semstreams_nats_messages_total"}) {
    EXPECT_FALSE(HasFamily(families, name)) << name;
  }
  // Plain gauges and counters always have their one series, starting at 0.
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_connected"), 0.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_rtt_milliseconds"), 0.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_reconnects_total"), 0.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_circuit_breaker"), 0.0);
}

TEST(CoreMetricsTest, RecordServiceStatusSetsLatestValue) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordServiceStatus("processor", 2);
  core.RecordServiceStatus("processor", 4);
  core.RecordServiceStatus("other", 1);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_service_status", {{"service", "processor"}}), 4.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_service_status", {{"service", "other"}}), 1.0);
  EXPECT_EQ(core.ServiceStatus.WithLabelValues("processor").Value(), 4.0);
}

TEST(CoreMetricsTest, RecordMessageReceivedCountsPerServiceAndType) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordMessageReceived("svc", "json");
  core.RecordMessageReceived("svc", "json");
  core.RecordMessageReceived("svc", "avro");
  const auto families = registry->Gather();
  const std::string name = "semstreams_messages_received_total";
  EXPECT_EQ(ScalarValue(families, name, {{"service", "svc"}, {"type", "json"}}), 2.0);
  EXPECT_EQ(ScalarValue(families, name, {{"service", "svc"}, {"type", "avro"}}), 1.0);
}

TEST(CoreMetricsTest, RecordMessageProcessedCountsPerStatus) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordMessageProcessed("svc", "json", "success");
  core.RecordMessageProcessed("svc", "json", "success");
  core.RecordMessageProcessed("svc", "json", "failed");
  const auto families = registry->Gather();
  const std::string name = "semstreams_messages_processed_total";
  EXPECT_EQ(
      ScalarValue(families, name, {{"service", "svc"}, {"type", "json"}, {"status", "success"}}),
      2.0);
  EXPECT_EQ(
      ScalarValue(families, name, {{"service", "svc"}, {"type", "json"}, {"status", "failed"}}),
      1.0);
}

TEST(CoreMetricsTest, RecordMessagePublishedCountsPerSubject) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordMessagePublished("svc", "events.out");
  registry->CoreMetrics().RecordMessagePublished("svc", "events.out");
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_messages_published_total",
                        {{"service", "svc"}, {"subject", "events.out"}}),
            2.0);
}

TEST(CoreMetricsTest, RecordProcessingDurationLandsInRightBucketFromMilliseconds) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordProcessingDuration("svc", "parse", std::chrono::milliseconds(150));
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "semstreams_processing_duration_seconds");
  ASSERT_NE(family, nullptr);
  const auto* series = FindSeries(*family, {{"service", "svc"}, {"operation", "parse"}});
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(series->histogram.sample_sum, 0.15);
  for (const auto& bucket : series->histogram.bucket) {
    // 0.15 s is above le=0.1 and within le=0.25.
    EXPECT_EQ(bucket.cumulative_count, bucket.upper_bound < 0.15 ? 0u : 1u)
        << "le=" << bucket.upper_bound;
  }
}

TEST(CoreMetricsTest, RecordProcessingDurationOnBoundIsInThatBucket) {
  auto registry = NewMetricsRegistry();
  // 5000 us converts to exactly the double 0.005, DefBuckets' first bound.
  registry->CoreMetrics().RecordProcessingDuration("svc", "op", std::chrono::microseconds(5000));
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "semstreams_processing_duration_seconds");
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 1u);
  const auto& buckets = family->metric[0].histogram.bucket;
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets[0].upper_bound, 0.005);
  EXPECT_EQ(buckets[0].cumulative_count, 1u);
}

TEST(CoreMetricsTest, RecordProcessingDurationAcceptsEveryChronoType) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordProcessingDuration("svc", "op", std::chrono::seconds(2));
  core.RecordProcessingDuration("svc", "op", std::chrono::nanoseconds(500'000'000));
  core.RecordProcessingDuration("svc", "op", std::chrono::duration<double>(0.25));
  const Histogram child = core.ProcessingDuration.WithLabelValues("svc", "op");
  EXPECT_EQ(child.SampleCount(), 3u);
  EXPECT_DOUBLE_EQ(child.SampleSum(), 2.75);
}

TEST(CoreMetricsTest, RecordErrorCountsPerType) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordError("processor", "validation");
  registry->CoreMetrics().RecordError("processor", "validation");
  registry->CoreMetrics().RecordError("processor", "timeout");
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total",
                        {{"service", "processor"}, {"type", "validation"}}),
            2.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total",
                        {{"service", "processor"}, {"type", "timeout"}}),
            1.0);
}

TEST(CoreMetricsTest, RecordHealthStatusMapsBoolToOneAndZero) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordHealthStatus("up", true);
  core.RecordHealthStatus("down", true);
  core.RecordHealthStatus("down", false);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_health_status", {{"service", "up"}}), 1.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_health_status", {{"service", "down"}}), 0.0);
}

TEST(CoreMetricsTest, RecordNATSStatusMapsBoolToOneAndZero) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordNATSStatus(true);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_connected"), 1.0);
  core.RecordNATSStatus(false);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_connected"), 0.0);
}

TEST(CoreMetricsTest, RecordNATSRTTExportsMilliseconds) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordNATSRTT(std::chrono::microseconds(1500));
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_rtt_milliseconds"), 1.5);
  core.RecordNATSRTT(std::chrono::seconds(2));
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_rtt_milliseconds"), 2000.0);
  core.RecordNATSRTT(std::chrono::nanoseconds(250'000));
  EXPECT_EQ(core.NATSRTT.Value(), 0.25);
}

TEST(CoreMetricsTest, RecordNATSReconnectCountsEachCall) {
  auto registry = NewMetricsRegistry();
  for (int i = 0; i < 3; ++i) registry->CoreMetrics().RecordNATSReconnect();
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_reconnects_total"), 3.0);
}

TEST(CoreMetricsTest, RecordCircuitBreakerStateSetsValue) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordCircuitBreakerState(2);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_circuit_breaker"), 2.0);
  registry->CoreMetrics().RecordCircuitBreakerState(1);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_circuit_breaker"), 1.0);
}

TEST(CoreMetricsTest, RecordMessagesProcessedMapsToSuccessWithEmptyType) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordMessagesProcessed("processor", 100);
  core.RecordMessagesProcessed("processor", 1500);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "processor"}, {"type", ""}, {"status", "success"}}),
            1600.0);
}

TEST(CoreMetricsTest, RecordMessagesFailedMapsToFailedWithEmptyType) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordMessagesFailed("processor", 2);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "processor"}, {"type", ""}, {"status", "failed"}}),
            2.0);
  EXPECT_FALSE(ScalarValue(families, "semstreams_messages_processed_total",
                           {{"service", "processor"}, {"type", ""}, {"status", "success"}})
                   .has_value());
}

TEST(CoreMetricsTest, RecordCountsIgnoreZeroAndNegative) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordMessagesProcessed("svc", 0);
  core.RecordMessagesProcessed("svc", -5);
  core.RecordMessagesFailed("svc", -1);
  core.RecordNATSMessages("subject", 0);
  core.RecordNATSMessages("subject", -3);
  const auto families = registry->Gather();
  // No series was created, so neither family is exported.
  EXPECT_FALSE(HasFamily(families, "semstreams_messages_processed_total"));
  EXPECT_FALSE(HasFamily(families, "semstreams_nats_messages_total"));
  core.RecordMessagesProcessed("svc", 3);
  core.RecordMessagesProcessed("svc", -3);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_messages_processed_total",
                        {{"service", "svc"}, {"type", ""}, {"status", "success"}}),
            3.0);
}

TEST(CoreMetricsTest, ObserveProcessingDurationUsesEmptyOperation) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().ObserveProcessingDuration("processor", 0.150);
  const auto families = registry->Gather();
  const auto* family = FindFamily(families, "semstreams_processing_duration_seconds");
  ASSERT_NE(family, nullptr);
  const auto* series = FindSeries(*family, {{"service", "processor"}, {"operation", ""}});
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->histogram.sample_count, 1u);
  EXPECT_EQ(series->histogram.sample_sum, 0.150);
}

TEST(CoreMetricsTest, RecordNATSHealthSetsNatsConnected) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordNATSHealth(1.0);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_connected"), 1.0);
  registry->CoreMetrics().RecordNATSHealth(0.0);
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_nats_connected"), 0.0);
}

TEST(CoreMetricsTest, RecordNATSMessagesAddsPerSubject) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordNATSMessages("input-subject", 50);
  core.RecordNATSMessages("input-subject", 7);
  core.RecordNATSMessages("other", 1);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_messages_total", {{"subject", "input-subject"}}),
            57.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_messages_total", {{"subject", "other"}}), 1.0);
}

TEST(CoreMetricsTest, RecordPanicCountsErrorOfTypePanic) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordPanic("processor");
  registry->CoreMetrics().RecordPanic("processor");
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_errors_total",
                        {{"service", "processor"}, {"type", "panic"}}),
            2.0);
}

TEST(CoreMetricsTest, CopiesShareFamilies) {
  auto registry = NewMetricsRegistry();
  CoreMetrics copy = registry->CoreMetrics();
  copy.RecordError("svc", "io");
  copy.RecordNATSReconnect();
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total", {{"service", "svc"}, {"type", "io"}}),
            1.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_reconnects_total"), 1.0);
}

TEST(CoreMetricsTest, RecordMethodsAndMembersSeeTheSameSeries) {
  CoreMetrics core;  // standalone: works without any registry
  core.RecordMessageReceived("svc", "json");
  core.MessagesReceived.WithLabelValues("svc", "json").Inc();
  core.RecordMessageReceived("svc", "json");
  EXPECT_EQ(core.MessagesReceived.WithLabelValues("svc", "json").Value(), 3.0);
  EXPECT_EQ(core.MessagesReceived.Size(), 1u);
}

TEST(CoreMetricsTest, RecordAfterDeleteStartsSeriesFromZero) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordError("svc", "io");
  core.RecordError("svc", "io");
  ASSERT_TRUE(core.ErrorsTotal.DeleteLabelValues("svc", "io"));
  core.RecordError("svc", "io");
  EXPECT_EQ(ScalarValue(registry->Gather(), "semstreams_errors_total",
                        {{"service", "svc"}, {"type", "io"}}),
            1.0);
  core.ErrorsTotal.Reset();
  EXPECT_EQ(core.ErrorsTotal.Size(), 0u);
  EXPECT_FALSE(HasFamily(registry->Gather(), "semstreams_errors_total"));
}

TEST(CoreMetricsTest, EmptyAndUnusualLabelValuesAreKeptVerbatim) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordError("", "");
  core.RecordError("svc \"quoted\"\n", "ü");
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total", {{"service", ""}, {"type", ""}}), 1.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total",
                        {{"service", "svc \"quoted\"\n"}, {"type", "ü"}}),
            1.0);
  EXPECT_EQ(core.ErrorsTotal.WithLabelValues("a", "b").Value(), 0.0);
}

}  // namespace
}  // namespace semstreams::metric
