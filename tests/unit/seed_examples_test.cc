// The code examples of the Go package documentation (seed/metric-package-doc.txt),
// translated to C++ and run with assertions. The server parts are left to the
// server's own tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using ::testing::_;
using testing::FindFamily;
using testing::FindSeries;
using ::testing::HasSubstr;
using ::testing::Return;
using testing::ScalarValue;

// "Basic Usage", without the server.
TEST(SeedExamplesTest, BasicUsageRecordsCoreMetrics) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core_metrics = registry->CoreMetrics();
  core_metrics.RecordServiceStatus("my-service", 2);
  core_metrics.RecordMessagesProcessed("my-service", 1500);
  core_metrics.RecordNATSHealth(1.0);

  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_service_status", {{"service", "my-service"}}), 2.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "my-service"}, {"type", ""}, {"status", "success"}}),
            1500.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_connected"), 1.0);
}

// "Core Metrics".
TEST(SeedExamplesTest, CoreMetricsExampleRecordsEveryFigure) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core_metrics = registry->CoreMetrics();
  core_metrics.RecordServiceStatus("processor", 2);  // 2 = running
  core_metrics.RecordMessagesProcessed("processor", 100);
  core_metrics.RecordMessagesFailed("processor", 2);
  core_metrics.ObserveProcessingDuration("processor", 0.150);  // 150ms
  core_metrics.RecordNATSHealth(1.0);                          // 1.0 = healthy
  core_metrics.RecordNATSMessages("input-subject", 50);
  core_metrics.RecordError("processor", "validation");
  core_metrics.RecordPanic("processor");

  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_service_status", {{"service", "processor"}}), 2.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "processor"}, {"type", ""}, {"status", "success"}}),
            100.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "processor"}, {"type", ""}, {"status", "failed"}}),
            2.0);
  const auto* durations = FindFamily(families, "semstreams_processing_duration_seconds");
  ASSERT_NE(durations, nullptr);
  const auto* series = FindSeries(*durations, {{"service", "processor"}, {"operation", ""}});
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->histogram.sample_count, 1u);
  EXPECT_EQ(series->histogram.sample_sum, 0.150);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_connected"), 1.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_messages_total", {{"subject", "input-subject"}}),
            50.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total",
                        {{"service", "processor"}, {"type", "validation"}}),
            1.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_errors_total",
                        {{"service", "processor"}, {"type", "panic"}}),
            1.0);
}

// "Service-Specific Metrics".
TEST(SeedExamplesTest, ServiceSpecificMetricsRegisterAndExport) {
  auto registry = NewMetricsRegistry();

  const Counter request_counter =
      NewCounter({.name = "api_requests_total", .help = "Total number of API requests"});
  Status err = registry->RegisterCounter("api-service", "api_requests_total", request_counter);
  EXPECT_TRUE(err.ok()) << err.ToString();

  const Gauge active_connections =
      NewGauge({.name = "active_connections", .help = "Number of active client connections"});
  err = registry->RegisterGauge("websocket-service", "active_connections", active_connections);
  EXPECT_TRUE(err.ok()) << err.ToString();

  const Histogram query_duration = NewHistogram({.name = "query_duration_seconds",
                                                 .help = "Time spent executing queries",
                                                 .buckets = DefBuckets()});
  err = registry->RegisterHistogram("database-service", "query_duration_seconds", query_duration);
  EXPECT_TRUE(err.ok()) << err.ToString();

  request_counter.Inc();
  active_connections.Set(3);
  query_duration.Observe(0.02);
  const auto families = registry->Gather();
  // "Service-specific metrics use the metric name as provided."
  EXPECT_EQ(ScalarValue(families, "api_requests_total"), 1.0);
  EXPECT_EQ(ScalarValue(families, "active_connections"), 3.0);
  const auto* histogram = FindFamily(families, "query_duration_seconds");
  ASSERT_NE(histogram, nullptr);
  EXPECT_EQ(histogram->help, "Time spent executing queries");
  ASSERT_EQ(histogram->metric.size(), 1u);
  EXPECT_EQ(histogram->metric[0].histogram.sample_count, 1u);
}

// "Vector Metrics with Labels".
TEST(SeedExamplesTest, VectorMetricsRegisterAndExportPerLabelSet) {
  auto registry = NewMetricsRegistry();

  const CounterVec http_requests_vec = NewCounterVec(
      {.name = "http_requests_total", .help = "Total HTTP requests by status and method"},
      {"status", "method"});
  Status err =
      registry->RegisterCounterVec("api-service", "http_requests_total", http_requests_vec);
  EXPECT_TRUE(err.ok()) << err.ToString();
  http_requests_vec.WithLabelValues("200", "GET").Inc();
  http_requests_vec.WithLabelValues("404", "POST").Inc();

  const GaugeVec cache_items_vec = NewGaugeVec(
      {.name = "cache_items", .help = "Number of items in cache by type"}, {"cache_type"});
  err = registry->RegisterGaugeVec("cache-service", "cache_items", cache_items_vec);
  EXPECT_TRUE(err.ok()) << err.ToString();
  cache_items_vec.WithLabelValues("lru").Set(42);

  const HistogramVec request_duration_vec = NewHistogramVec({.name = "request_duration_seconds",
                                                             .help = "Request duration by endpoint",
                                                             .buckets = {.001, .01, .1, 1, 10}},
                                                            {"endpoint"});
  err = registry->RegisterHistogramVec("api-service", "request_duration_seconds",
                                       request_duration_vec);
  EXPECT_TRUE(err.ok()) << err.ToString();
  request_duration_vec.WithLabelValues("/users").Observe(0.05);

  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "http_requests_total", {{"status", "200"}, {"method", "GET"}}),
            1.0);
  EXPECT_EQ(ScalarValue(families, "http_requests_total", {{"status", "404"}, {"method", "POST"}}),
            1.0);
  EXPECT_EQ(ScalarValue(families, "cache_items", {{"cache_type", "lru"}}), 42.0);
  const auto* durations = FindFamily(families, "request_duration_seconds");
  ASSERT_NE(durations, nullptr);
  const auto* series = FindSeries(*durations, {{"endpoint", "/users"}});
  ASSERT_NE(series, nullptr);
  ASSERT_EQ(series->histogram.bucket.size(), 6u);
  EXPECT_EQ(series->histogram.bucket[1].cumulative_count, 0u);  // le=0.01
  EXPECT_EQ(series->histogram.bucket[2].cumulative_count, 1u);  // le=0.1
}

// "MetricsRegistrar Interface": a service that takes any registrar.
class MyService {
 public:
  explicit MyService(MetricsRegistrar& metrics)
      : metrics_(metrics),
        counter_(NewCounter({.name = "operations_total", .help = "Total operations"})) {
    registration_ = metrics_.RegisterCounter("my-service", "operations_total", counter_);
  }

  void DoWork() const { counter_.Inc(); }
  const Status& registration() const { return registration_; }

 private:
  MetricsRegistrar& metrics_;
  Counter counter_;
  Status registration_;
};

class MockRegistrar : public MetricsRegistrar {
 public:
  MOCK_METHOD(Status, RegisterCounter, (std::string_view, std::string_view, const Counter&),
              (override));
  MOCK_METHOD(Status, RegisterGauge, (std::string_view, std::string_view, const Gauge&),
              (override));
  MOCK_METHOD(Status, RegisterHistogram, (std::string_view, std::string_view, const Histogram&),
              (override));
  MOCK_METHOD(Status, RegisterCounterVec, (std::string_view, std::string_view, const CounterVec&),
              (override));
  MOCK_METHOD(Status, RegisterGaugeVec, (std::string_view, std::string_view, const GaugeVec&),
              (override));
  MOCK_METHOD(Status, RegisterHistogramVec,
              (std::string_view, std::string_view, const HistogramVec&), (override));
  MOCK_METHOD(bool, Unregister, (std::string_view, std::string_view), (override));
};

TEST(SeedExamplesTest, MetricsRegistrarAcceptsMockRegistrar) {
  MockRegistrar mock;
  EXPECT_CALL(mock, RegisterCounter(std::string_view("my-service"),
                                    std::string_view("operations_total"), _))
      .WillOnce(Return(Status::Ok()));
  const MyService service(mock);
  EXPECT_TRUE(service.registration().ok());
}

TEST(SeedExamplesTest, MetricsRegistrarSurfacesMockFailure) {
  MockRegistrar mock;
  EXPECT_CALL(mock, RegisterCounter(_, _, _))
      .WillOnce(Return(Status(ErrorCode::kAlreadyRegistered, "already registered")));
  const MyService service(mock);
  EXPECT_EQ(service.registration().code(), ErrorCode::kAlreadyRegistered);
}

// A hand-written fake: records what was registered, as a test double would.
class FakeRegistrar : public MetricsRegistrar {
 public:
  Status RegisterCounter(std::string_view s, std::string_view m, const Counter&) override {
    return Record(s, m);
  }
  Status RegisterGauge(std::string_view s, std::string_view m, const Gauge&) override {
    return Record(s, m);
  }
  Status RegisterHistogram(std::string_view s, std::string_view m, const Histogram&) override {
    return Record(s, m);
  }
  Status RegisterCounterVec(std::string_view s, std::string_view m, const CounterVec&) override {
    return Record(s, m);
  }
  Status RegisterGaugeVec(std::string_view s, std::string_view m, const GaugeVec&) override {
    return Record(s, m);
  }
  Status RegisterHistogramVec(std::string_view s, std::string_view m,
                              const HistogramVec&) override {
    return Record(s, m);
  }
  bool Unregister(std::string_view, std::string_view) override { return false; }

  std::vector<std::string> keys;

 private:
  Status Record(std::string_view service, std::string_view metric) {
    keys.push_back(std::string(service) + "." + std::string(metric));
    return Status::Ok();
  }
};

TEST(SeedExamplesTest, MetricsRegistrarAcceptsFakeRegistrar) {
  FakeRegistrar fake;
  const MyService service(fake);
  service.DoWork();
  EXPECT_THAT(fake.keys, ::testing::ElementsAre("my-service.operations_total"));
}

// "Thread Safety": the three goroutines, as threads that are joined.
TEST(SeedExamplesTest, ThreadSafetyExampleCountsEveryServiceExactly) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core_metrics = registry->CoreMetrics();
  std::vector<std::thread> threads;
  threads.emplace_back([&] { core_metrics.RecordMessagesProcessed("service-1", 100); });
  threads.emplace_back([&] { core_metrics.RecordMessagesProcessed("service-2", 200); });
  threads.emplace_back([&] { core_metrics.RecordMessagesProcessed("service-3", 300); });
  for (auto& thread : threads) thread.join();
  const auto families = registry->Gather();
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(
        ScalarValue(
            families, "semstreams_messages_processed_total",
            {{"service", "service-" + std::to_string(i)}, {"type", ""}, {"status", "success"}}),
        100.0 * i);
  }
}

// "Error Handling": a duplicate is recognised by its message and skipped.
TEST(SeedExamplesTest, ErrorHandlingRecognisesDuplicateRegistration) {
  auto registry = NewMetricsRegistry();
  bool skipped = false;
  bool fatal = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Counter counter = NewCounter({.name = "test", .help = "test counter"});
    const Status err = registry->RegisterCounter("service", "test", counter);
    if (!err.ok()) {
      if (err.message().find("already registered") != std::string::npos) {
        skipped = true;  // "Metric already registered, skipping"
      } else {
        fatal = true;
      }
    }
  }
  EXPECT_TRUE(skipped);
  EXPECT_FALSE(fatal);
}

TEST(SeedExamplesTest, ErrorHandlingExampleWithoutHelpIsInvalid) {
  // The Go example omits Help; this library makes empty help an invalid
  // argument (docs/metrics-guide.md, Registration), which is the "Failed to
  // register metric" branch, not the duplicate one.
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter({.name = "test"});
  const Status err = registry->RegisterCounter("service", "test", counter);
  EXPECT_EQ(err.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(err.message(), ::testing::Not(HasSubstr("already registered")));
}

// "Testing": a service built on the real registry, checked through Gather().
TEST(SeedExamplesTest, TestingExampleChecksRecordedMetrics) {
  auto registry = NewMetricsRegistry();
  const MyService service(*registry);
  ASSERT_TRUE(service.registration().ok());
  service.DoWork();
  service.DoWork();
  CoreMetrics& core_metrics = registry->CoreMetrics();
  core_metrics.RecordMessagesProcessed("my-service", 2);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "operations_total"), 2.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "my-service"}, {"type", ""}, {"status", "success"}}),
            2.0);
}

// "Examples: complete service integration", without the server or the sleep.
TEST(SeedExamplesTest, CompleteServiceIntegrationCountsEveryIteration) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core_metrics = registry->CoreMetrics();
  const Counter operation_counter =
      NewCounter({.name = "operations_total", .help = "Total operations performed"});
  ASSERT_TRUE(registry->RegisterCounter("my-service", "operations_total", operation_counter).ok());
  core_metrics.RecordServiceStatus("my-service", 2);  // running
  for (int i = 0; i < 100; ++i) {
    operation_counter.Inc();
    core_metrics.RecordMessagesProcessed("my-service", 1);
  }
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "operations_total"), 100.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_service_status", {{"service", "my-service"}}), 2.0);
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "my-service"}, {"type", ""}, {"status", "success"}}),
            100.0);
}

}  // namespace
}  // namespace semstreams::metric
