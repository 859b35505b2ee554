#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "semstreams/metric/core_metrics.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/vec.h"
#include "support/gather_util.h"

// Counts this thread's allocations, so a test can show a call allocates nothing.
namespace {
thread_local std::size_t t_allocations = 0;
}  // namespace

// GCC sees the replaced pair inline through std::allocator and cannot match
// malloc to free across it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }

namespace semstreams::metric {
namespace {

static_assert(noexcept(std::declval<Counter&>().AddWithExemplar(1, {})));
static_assert(noexcept(std::declval<Counter&>().IncWithExemplar({})));
static_assert(noexcept(std::declval<Histogram&>().ObserveWithExemplar(1, {})));

double Now() {
  using std::chrono::duration;
  return duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.rfind(prefix, 0) == 0) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// The exemplar part of a sample line (after " # "), or "".
std::string ExemplarOf(const std::string& line) {
  const std::size_t at = line.find(" # {");
  return at == std::string::npos ? "" : line.substr(at + 3);
}

// The exemplar's timestamp, the last field.
double TimestampOf(const std::string& exemplar) {
  return std::strtod(exemplar.substr(exemplar.rfind(' ') + 1).c_str(), nullptr);
}

double Dropped(const MetricsRegistry& registry) {
  return testing::ScalarValue(registry.Gather(), "semstreams_metric_exemplars_dropped_total")
      .value_or(-1);
}

struct Fixture {
  std::shared_ptr<MetricsRegistry> registry = NewMetricsRegistry();
  Counter counter = NewCounter({"", "", "requests_total", "Requests", {}});
  Histogram histogram = NewHistogram({"", "", "latency_seconds", "Latency", {}, {0.1, 0.5, 1}});
  Fixture() {
    EXPECT_TRUE(registry->RegisterCounter("svc", "requests", counter).ok());
    EXPECT_TRUE(registry->RegisterHistogram("svc", "latency", histogram).ok());
  }
  std::string Om() const { return OpenMetricsExposition(*registry); }
};

TEST(ExemplarTest, CounterKeepsTheNewestExemplarWithValueAndTimestamp) {
  Fixture f;
  const double before = Now();
  f.counter.IncWithExemplar({{"trace_id", "first"}});
  f.counter.AddWithExemplar(2.5, {{"trace_id", "second"}, {"span_id", "s1"}});
  const double after = Now();
  EXPECT_EQ(f.counter.Value(), 3.5);
  const auto lines = Lines(f.Om(), "requests_total ");
  ASSERT_EQ(lines.size(), 1u);
  const std::string exemplar = ExemplarOf(lines[0]);
  EXPECT_EQ(exemplar.rfind("{trace_id=\"second\",span_id=\"s1\"} 2.5 ", 0), 0u) << lines[0];
  // The timestamp comes from the kernel's last clock tick (1 to 10 ms behind).
  EXPECT_GE(TimestampOf(exemplar), before - 0.05);
  EXPECT_LE(TimestampOf(exemplar), after + 0.001);
}

TEST(ExemplarTest, CounterWithoutExemplarWritesNone) {
  Fixture f;
  f.counter.Inc();
  const auto lines = Lines(f.Om(), "requests_total ");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "requests_total 1");
}

TEST(ExemplarTest, HistogramKeepsTheNewestExemplarPerBucket) {
  Fixture f;
  f.histogram.ObserveWithExemplar(0.05, {{"trace_id", "a"}});
  f.histogram.ObserveWithExemplar(0.07, {{"trace_id", "b"}});
  f.histogram.ObserveWithExemplar(0.7, {{"trace_id", "c"}});
  f.histogram.ObserveWithExemplar(7, {{"trace_id", "d"}});
  EXPECT_EQ(f.histogram.SampleCount(), 4u);
  const auto lines = Lines(f.Om(), "latency_seconds_bucket");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(ExemplarOf(lines[0]).rfind("{trace_id=\"b\"} 0.07 ", 0), 0u) << lines[0];
  EXPECT_EQ(ExemplarOf(lines[1]), "") << lines[1];
  EXPECT_EQ(ExemplarOf(lines[2]).rfind("{trace_id=\"c\"} 0.7 ", 0), 0u) << lines[2];
  EXPECT_EQ(ExemplarOf(lines[3]).rfind("{trace_id=\"d\"} 7 ", 0), 0u) << lines[3];
  EXPECT_EQ(lines[3].rfind("latency_seconds_bucket{le=\"+Inf\"} 4 # ", 0), 0u) << lines[3];
}

TEST(ExemplarTest, VectorChildrenRecordExemplars) {
  auto registry = NewMetricsRegistry();
  auto counters = NewCounterVec({"", "", "jobs_total", "Jobs", {}}, {"queue"});
  auto histograms = NewHistogramVec({"", "", "job_seconds", "Job time", {}, {1}}, {"queue"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "jobs", counters).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "job_seconds", histograms).ok());
  counters.WithLabelValues("q1").IncWithExemplar({{"trace_id", "t1"}});
  counters.WithLabelValues("q2").AddWithExemplar(3, {{"trace_id", "t2"}});
  histograms.WithLabelValues("q1").ObserveWithExemplar(0.5, {{"trace_id", "t3"}});
  const std::string om = OpenMetricsExposition(*registry);
  const auto jobs = Lines(om, "jobs_total{");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(ExemplarOf(jobs[0]).rfind("{trace_id=\"t1\"} 1 ", 0), 0u) << jobs[0];
  EXPECT_EQ(ExemplarOf(jobs[1]).rfind("{trace_id=\"t2\"} 3 ", 0), 0u) << jobs[1];
  const auto buckets = Lines(om, "job_seconds_bucket{queue=\"q1\",le=\"1\"}");
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(ExemplarOf(buckets[0]).rfind("{trace_id=\"t3\"} 0.5 ", 0), 0u) << buckets[0];
}

TEST(ExemplarTest, CoreMetricsTraceIdOverloads) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordProcessingDuration("svc", "parse", std::chrono::milliseconds(42), "4bf92f3577b34da6");
  core.RecordError("svc", "timeout", "00f067aa0ba902b7");
  core.RecordError("svc", "timeout", "");  // counts, keeps the exemplar before
  const std::string om = OpenMetricsExposition(*registry);
  const auto errors = Lines(om, "semstreams_errors_total{service=\"svc\",type=\"timeout\"}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("semstreams_errors_total{service=\"svc\",type=\"timeout\"} 2 # "
                            "{trace_id=\"00f067aa0ba902b7\"} 1 ",
                            0),
            0u)
      << errors[0];
  const auto bucket =
      Lines(om,
            "semstreams_processing_duration_seconds_bucket{service=\"svc\",operation=\"parse\","
            "le=\"0.05\"}");
  ASSERT_EQ(bucket.size(), 1u);
  EXPECT_EQ(ExemplarOf(bucket[0]).rfind("{trace_id=\"4bf92f3577b34da6\"} 0.042 ", 0), 0u)
      << bucket[0];
}

TEST(ExemplarTest, LabelsOverTheLimitAreDroppedAndCounted) {
  Fixture f;
  const double dropped = Dropped(*f.registry);
  // 8 + 120 = 128 characters: kept, though the value takes 240 bytes.
  std::string value;
  for (int i = 0; i < 120; ++i) value += "\xC3\xA9";  // é
  f.counter.IncWithExemplar({{"trace_id", value}});
  EXPECT_EQ(Dropped(*f.registry), dropped);
  EXPECT_NE(ExemplarOf(Lines(f.Om(), "requests_total ")[0]).find(value), std::string::npos);
  // 129 characters: dropped, counted, the increment kept, the old exemplar too.
  f.counter.IncWithExemplar({{"trace_id", value + "x"}});
  EXPECT_EQ(Dropped(*f.registry), dropped + 1);
  EXPECT_EQ(f.counter.Value(), 2);
  EXPECT_NE(ExemplarOf(Lines(f.Om(), "requests_total ")[0]).find(value), std::string::npos);
}

TEST(ExemplarTest, InvalidLabelsAreDroppedAndCounted) {
  Fixture f;
  const double dropped = Dropped(*f.registry);
  f.histogram.ObserveWithExemplar(0.2, {{"0abc", "x"}});
  f.histogram.ObserveWithExemplar(0.2, {{"a-b", "x"}});
  f.histogram.ObserveWithExemplar(0.2, {{"", "x"}});
  f.histogram.ObserveWithExemplar(0.2, {{"a", "x"}, {"a", "y"}});
  f.histogram.ObserveWithExemplar(0.2, {{"a", "\xff"}});
  EXPECT_EQ(Dropped(*f.registry), dropped + 5);
  EXPECT_EQ(f.histogram.SampleCount(), 5u);
  EXPECT_EQ(f.Om().find(" # {"), std::string::npos);
  // An empty label set is valid, as in client_golang.
  f.histogram.ObserveWithExemplar(0.2, {});
  EXPECT_EQ(Dropped(*f.registry), dropped + 5);
  EXPECT_EQ(ExemplarOf(Lines(f.Om(), "latency_seconds_bucket{le=\"0.5\"}")[0]).rfind("{} 0.2 ", 0),
            0u);
}

TEST(ExemplarTest, ExemplarValuesAreEscaped) {
  Fixture f;
  f.counter.IncWithExemplar({{"q", "a\"b\\c\nd"}});
  EXPECT_NE(f.Om().find("# {q=\"a\\\"b\\\\c\\nd\"} 1 "), std::string::npos) << f.Om();
}

TEST(ExemplarTest, RecordingAllocatesNothingAfterTheFirstExemplar) {
  Fixture f;
  f.histogram.ObserveWithExemplar(0.3, {{"trace_id", "warm"}});
  f.counter.IncWithExemplar({{"trace_id", "warm"}});
  const std::size_t before = t_allocations;
  for (int i = 0; i < 1000; ++i) {
    f.histogram.ObserveWithExemplar(0.3, {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}});
    f.counter.AddWithExemplar(1, {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}});
    f.counter.IncWithExemplar({{"trace_id", std::string_view("x\xff", 2)}});  // dropped
  }
  EXPECT_EQ(t_allocations, before);
}

TEST(ExemplarTest, ScrapesSeeWholeExemplarsWhileWritersRecord) {
  Fixture f;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      // Each exemplar's labels say its value, so a torn read shows.
      const std::string values[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbb",
                                    "cccccccccccccccccccccccccc"};
      for (int i = 0; i < 200000 && !stop.load(); ++i) {
        const int k = (i + t) % 3;
        f.counter.AddWithExemplar(k + 1, {{"v", values[k]}, {"k", std::to_string(k + 1)}});
      }
    });
  }
  int checked = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 200 && std::chrono::steady_clock::now() < deadline; ++i) {
    const auto lines = Lines(f.Om(), "requests_total ");
    ASSERT_EQ(lines.size(), 1u);
    const std::string exemplar = ExemplarOf(lines[0]);
    if (exemplar.empty()) continue;
    const bool consistent =
        exemplar.rfind("{v=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",k=\"1\"} 1 ", 0) == 0 ||
        exemplar.rfind("{v=\"bbbbbbbbbbbb\",k=\"2\"} 2 ", 0) == 0 ||
        exemplar.rfind("{v=\"cccccccccccccccccccccccccc\",k=\"3\"} 3 ", 0) == 0;
    EXPECT_TRUE(consistent) << exemplar;
    ++checked;
  }
  stop = true;
  for (auto& writer : writers) writer.join();
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace semstreams::metric
