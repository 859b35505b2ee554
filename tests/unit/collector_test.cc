// Collectors, NewGaugeFunc and NewCounterFunc: values read at scrape time,
// the registration rules every other kind follows, and collectors that throw.
#include "semstreams/metric/collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric.h"
#include "semstreams/metric/testutil.h"
#include "semstreams/metric/text_format.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using testing::FindFamily;
using testing::HasFamily;
using ::testing::HasSubstr;
using ::testing::Not;

// The counter as Gather() reads it: before the collectors that Gather() itself
// runs have thrown again.
double CollectErrors(const MetricsRegistry& registry) {
  const auto families = registry.Gather();
  const auto* family = FindFamily(families, "semstreams_metric_collect_errors_total");
  return family == nullptr ? 0 : family->metric.at(0).counter.value;
}

std::string Scrape(const MetricsRegistry& registry, std::string accept = "") {
  const ScrapeHandler handler(
      std::shared_ptr<const MetricsRegistry>(std::shared_ptr<const MetricsRegistry>{}, &registry));
  ScrapeRequest request;
  request.accept = std::move(accept);
  return handler.Serve(request).body;
}

TEST(GaugeFuncTest, ValueIsReadAtScrapeTimeAndFollowsItsSource) {
  auto registry = NewMetricsRegistry();
  std::atomic<int> depth{3};
  auto gauge = NewGaugeFunc(
      {.name = "queue_depth", .help = "Items waiting.", .const_labels = {{"queue", "in"}}},
      [&] { return depth.load(); });
  ASSERT_TRUE(registry->RegisterCollector("svc", "depth", gauge).ok());
  EXPECT_THAT(Scrape(*registry), HasSubstr("queue_depth{queue=\"in\"} 3\n"));
  depth = 7;
  EXPECT_THAT(Scrape(*registry), HasSubstr("queue_depth{queue=\"in\"} 7\n"));
  EXPECT_TRUE(testutil::CollectAndCompare(*registry, R"(
    # HELP queue_depth Items waiting.
    # TYPE queue_depth gauge
    queue_depth{queue="in"} 7
  )",
                                          {"queue_depth"})
                  .ok());
}

TEST(CounterFuncTest, IsTypedAsACounterInEveryFormat) {
  auto registry = NewMetricsRegistry();
  double bytes = 0;
  auto counter = NewCounterFunc({.name = "lib_bytes_read_total", .help = "Bytes read."},
                                [&] { return bytes; });
  ASSERT_TRUE(registry->RegisterCollector("lib", "bytes", counter).ok());
  bytes = 4096;
  EXPECT_THAT(Scrape(*registry), HasSubstr("# TYPE lib_bytes_read_total counter\n"
                                           "lib_bytes_read_total 4096\n"));
  const std::string openmetrics = Scrape(*registry, "application/openmetrics-text; version=1.0.0");
  EXPECT_THAT(openmetrics, HasSubstr("# TYPE lib_bytes_read counter\nlib_bytes_read_total 4096\n"));
}

TEST(CollectorRegistrationTest, FollowsTheRulesOfEveryOtherKind) {
  auto registry = NewMetricsRegistry();
  auto gauge = NewGaugeFunc({.name = "pool_size", .help = "h"}, [] { return 1.0; });
  EXPECT_TRUE(registry->RegisterCollector("svc", "pool", gauge).ok());
  EXPECT_TRUE(registry->RegisterCollector("svc", "pool", gauge).ok()) << "idempotent";

  auto other = NewGaugeFunc({.name = "pool_other", .help = "h"}, [] { return 1.0; });
  Status taken = registry->RegisterCollector("svc", "pool", other);
  EXPECT_EQ(taken.code(), ErrorCode::kAlreadyRegistered);
  EXPECT_THAT(taken.message(), HasSubstr("already registered"));

  auto same_name = NewGaugeFunc({.name = "pool_size", .help = "h"}, [] { return 2.0; });
  Status clash = registry->RegisterCollector("svc", "pool2", same_name);
  EXPECT_EQ(clash.code(), ErrorCode::kPrometheusConflict);
  EXPECT_THAT(clash.message(), HasSubstr("prometheus conflict"));

  auto core_name =
      NewCounterFunc({.name = "semstreams_errors_total", .help = "h"}, [] { return 0.0; });
  EXPECT_EQ(registry->RegisterCollector("svc", "errors", core_name).code(),
            ErrorCode::kPrometheusConflict);
  auto process_name = NewGaugeFunc({.name = "process_open_fds", .help = "h"}, [] { return 0.0; });
  EXPECT_EQ(registry->RegisterCollector("svc", "fds", process_name).code(),
            ErrorCode::kPrometheusConflict);

  // A handle's name is taken by a collector, and the other way round.
  const Gauge handle = NewGauge({.name = "pool_size", .help = "h"});
  EXPECT_EQ(registry->RegisterGauge("svc", "handle", handle).code(),
            ErrorCode::kPrometheusConflict);

  ASSERT_TRUE(registry->Unregister("svc", "pool"));
  EXPECT_TRUE(registry->RegisterCollector("svc", "pool2", same_name).ok())
      << "an unregistered collector's names are free again";
}

TEST(CollectorRegistrationTest, RefusesInvalidDefinitions) {
  auto registry = NewMetricsRegistry();
  EXPECT_EQ(registry->RegisterCollector("svc", "null", nullptr).code(),
            ErrorCode::kInvalidArgument);
  auto bad_name = NewGaugeFunc({.name = "bad\xff", .help = "h"}, [] { return 0.0; });
  EXPECT_EQ(registry->RegisterCollector("svc", "bad", bad_name).code(),
            ErrorCode::kInvalidArgument);
  auto bad_label = NewGaugeFunc({.name = "ok_name", .help = "h", .const_labels = {{"__x", "v"}}},
                                [] { return 0.0; });
  EXPECT_EQ(registry->RegisterCollector("svc", "label", bad_label).code(),
            ErrorCode::kInvalidArgument);
  auto empty = NewCounterFunc({.name = "empty_total", .help = "h"}, nullptr);
  Status status = registry->RegisterCollector("svc", "empty", empty);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("empty"));
  EXPECT_EQ(registry->RegisterCollector("", "x", bad_name).code(), ErrorCode::kInvalidArgument);
  // Nothing was half-registered: the names are all still free.
  auto valid = NewGaugeFunc({.name = "ok_name", .help = "h"}, [] { return 0.0; });
  EXPECT_TRUE(registry->RegisterCollector("svc", "label", valid).ok());
}

// A service's own collector: several families, computed at scrape time, in
// the library's data model with what prometheus-cpp cannot hold.
class PoolCollector final : public Collector {
 public:
  std::vector<Family> Describe() const override {
    std::vector<Family> families(2);
    families[0].name = "pool_connections";
    families[0].help = "Connections by state.";
    families[0].type = MetricType::kGauge;
    families[1].name = "pool_wait_seconds";
    families[1].help = "Time waited for a connection.";
    families[1].type = MetricType::kHistogram;
    return families;
  }
  void Collect(std::vector<Family>& families) const override {
    for (const char* state : {"idle", "busy"}) {
      Series& series = families[0].series.emplace_back();
      series.labels = {{"state", state}};
      series.value = state[0] == 'i' ? 4 : 6;
    }
    Series& wait = families[1].series.emplace_back();
    wait.count = 3;
    wait.sum = 0.25;
    wait.buckets = {{0.1, 2, Exemplar{{{"trace_id", "abc"}}, 0.05, 1700000000.5}},
                    {std::numeric_limits<double>::infinity(), 3, std::nullopt}};
  }
};

TEST(CollectorTest, ServicesExportManyFamiliesComputedAtScrapeTime) {
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCollector("svc", "pool", std::make_shared<PoolCollector>()).ok());
  const std::string text = Scrape(*registry);
  EXPECT_THAT(text, HasSubstr("pool_connections{state=\"idle\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("pool_connections{state=\"busy\"} 6\n"));
  EXPECT_THAT(text, HasSubstr("pool_wait_seconds_bucket{le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("pool_wait_seconds_count 3\n"));
  const std::string openmetrics = Scrape(*registry, "application/openmetrics-text; version=1.0.0");
  EXPECT_THAT(openmetrics, HasSubstr("pool_wait_seconds_bucket{le=\"0.1\"} 2 # {trace_id=\"abc\"} "
                                     "0.05 1700000000.5\n"));
  // Gather() keeps serving prometheus-cpp users.
  const auto families = registry->Gather();
  ASSERT_TRUE(HasFamily(families, "pool_wait_seconds"));
  EXPECT_EQ(FindFamily(families, "pool_wait_seconds")->metric.at(0).histogram.sample_count, 3u);
  // Its histogram claims the _bucket, _sum and _count names.
  auto clash = NewGaugeFunc({.name = "pool_wait_seconds_count", .help = "h"}, [] { return 0.0; });
  EXPECT_EQ(registry->RegisterCollector("svc", "clash", clash).code(),
            ErrorCode::kPrometheusConflict);
}

class RenamingCollector final : public Collector {
 public:
  std::vector<Family> Describe() const override {
    return {Family{"described", "h", MetricType::kGauge, "", {}}};
  }
  void Collect(std::vector<Family>& families) const override {
    families[0].name = "something_else";
    families[0].series.emplace_back().value = 1;
  }
};

TEST(CollectorTest, ThrowingOrMisbehavingCollectorsLoseOnlyTheirOwnFamilies) {
  auto registry = NewMetricsRegistry();
  std::atomic<bool> fail{true};
  auto flaky = NewGaugeFunc({.name = "flaky_value", .help = "h"}, [&]() -> double {
    if (fail) throw std::runtime_error("source unavailable");
    return 42;
  });
  auto steady = NewGaugeFunc({.name = "steady_value", .help = "h"}, [] { return 1.0; });
  ASSERT_TRUE(registry->RegisterCollector("svc", "flaky", flaky).ok());
  ASSERT_TRUE(registry->RegisterCollector("svc", "steady", steady).ok());
  ASSERT_TRUE(
      registry->RegisterCollector("svc", "renaming", std::make_shared<RenamingCollector>()).ok());

  const std::string text = Scrape(*registry);
  EXPECT_THAT(text, Not(HasSubstr("flaky_value")));
  EXPECT_THAT(text, Not(HasSubstr("something_else")));
  EXPECT_THAT(text, Not(HasSubstr("described")));
  EXPECT_THAT(text, HasSubstr("steady_value 1\n"));
  EXPECT_THAT(text, HasSubstr("semstreams_nats_connected 0\n"));  // core families too
  EXPECT_EQ(CollectErrors(*registry), 2);

  fail = false;
  EXPECT_THAT(Scrape(*registry), HasSubstr("flaky_value 42\n"));
}

TEST(CollectorTest, ConcurrentScrapesAndRegistrationsAreSafe) {
  auto registry = NewMetricsRegistry();
  std::atomic<double> value{0};
  auto gauge = NewGaugeFunc({.name = "live_value", .help = "h"}, [&] { return value.load(); });
  auto thrower = NewCounterFunc({.name = "thrower_total", .help = "h"},
                                []() -> double { throw std::logic_error("no"); });
  ASSERT_TRUE(registry->RegisterCollector("svc", "thrower", thrower).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> scrapes{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 3; ++t) {
    scrapers.emplace_back([&, t] {
      const char* accept = t == 0   ? ""
                           : t == 1 ? "application/openmetrics-text; version=1.0.0"
                                    : "application/vnd.google.protobuf;proto=io.prometheus.client."
                                      "MetricFamily;encoding=delimited";
      while (!stop) {
        EXPECT_FALSE(Scrape(*registry, accept).empty());
        scrapes.fetch_add(1);
      }
    });
  }
  // Registrations go on until every format was scraped many times over.
  for (int i = 0; i < 1'000'000 && (i < 300 || scrapes.load() < 300); ++i) {
    value = i;
    ASSERT_TRUE(registry->RegisterCollector("svc", "live", gauge).ok());
    ASSERT_TRUE(registry->Unregister("svc", "live"));
  }
  stop = true;
  for (auto& thread : scrapers) thread.join();
  EXPECT_GT(CollectErrors(*registry), 0);
}

}  // namespace
}  // namespace semstreams::metric
