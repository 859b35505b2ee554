#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_input.h"
#include "prometheus/counter.h"
#if __has_include("prometheus/info.h")
#include "prometheus/info.h"
#endif
#include "prometheus/summary.h"
#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Runs prometheus_client's OpenMetrics parser over `text`: its exit status
// and what it printed.
std::pair<int, std::string> RunPythonParser(const std::string& text, const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("om_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / (name + ".om");
  std::ofstream(file, std::ios::binary) << text;
  const fs::path log = dir / (name + ".log");
  const std::string command = "/usr/bin/python3 " SEMSTREAMS_METRIC_SOURCE_DIR
                              "/tests/ecosystem/parse_openmetrics.py '" +
                              file.string() + "' > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return {status, output};
}

// "" when the parser accepts `text`; else its complaint and the text.
std::string PythonParserVerdict(const std::string& text, const std::string& name) {
  auto [status, output] = RunPythonParser(text, name);
  return status == 0 ? "" : output + "\n" + text;
}

TEST(OpenMetricsTest, CountersAreTypedWithoutTotalAndEndWithEof) {
  auto registry = NewMetricsRegistry();
  auto counter = NewCounter({"", "", "requests_total", "Requests \"served\"\n", {}});
  ASSERT_TRUE(registry->RegisterCounter("svc", "requests", counter).ok());
  counter.Add(3);
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om,
                       "# HELP requests Requests \\\"served\\\"\\n\n# TYPE requests counter\n"
                       "requests_total 3\n"))
      << om;
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  EXPECT_EQ(om.find("# EOF"), om.size() - 6);
  EXPECT_FALSE(Contains(om, "_created"));
}

TEST(OpenMetricsTest, UnitsAreWrittenAndReadBackByAnIndependentParser) {
  auto registry = NewMetricsRegistry();
  const Counter read =
      NewCounter({.name = "disk_read_bytes_total", .help = "Bytes read.", .unit = "bytes"});
  const HistogramVec latency = NewHistogramVec(
      {.name = "rpc_duration_seconds", .help = "Latency.", .unit = "seconds"}, {"method"});
  read.Add(512);
  latency.WithLabelValues("get").Observe(0.1);
  ASSERT_TRUE(registry->RegisterCounter("svc", "read", read).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "latency", latency).ok());
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om, "# TYPE disk_read_bytes counter\n# UNIT disk_read_bytes bytes\n")) << om;
  EXPECT_TRUE(Contains(om, "# UNIT rpc_duration_seconds seconds\n")) << om;
  const auto [status, parsed] = RunPythonParser(om, "units");
  EXPECT_EQ(status, 0) << parsed;
  EXPECT_TRUE(Contains(parsed, "unit disk_read_bytes bytes\n")) << parsed;
  EXPECT_TRUE(Contains(parsed, "unit rpc_duration_seconds seconds\n")) << parsed;
  // Text 0.0.4 has no units; it is unchanged.
  EXPECT_FALSE(Contains(TextExposition(registry->Gather()), "UNIT"));
}

TEST(OpenMetricsTest, AUnitTheNameDoesNotEndWithIsRefused) {
  auto registry = NewMetricsRegistry();
  const Gauge wrong = NewGauge({.name = "queue_size", .help = "h", .unit = "bytes"});
  Status status = registry->RegisterGauge("svc", "wrong", wrong);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "_bytes")) << status.message();
  const Counter suffix_after_total =
      NewCounter({.name = "read_total_bytes", .help = "h", .unit = "bytes"});
  EXPECT_TRUE(registry->RegisterCounter("svc", "ok", suffix_after_total).ok());
  const Counter before_total = NewCounter({.name = "sent_total", .help = "h", .unit = "bytes"});
  EXPECT_EQ(registry->RegisterCounter("svc", "sent", before_total).code(),
            ErrorCode::kInvalidArgument);
  const Gauge bad_unit = NewGauge({.name = "x_a-b", .help = "h", .unit = "a-b"});
  EXPECT_EQ(registry->RegisterGauge("svc", "bad", bad_unit).code(), ErrorCode::kInvalidArgument);
}

TEST(OpenMetricsTest, HistogramsWriteBucketsCountAndSum) {
  auto registry = NewMetricsRegistry();
  auto histogram = NewHistogram({"", "", "latency_seconds", "Latency", {}, {0.5, 1}});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "latency", histogram).ok());
  histogram.Observe(0.25);
  histogram.Observe(3);
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om,
                       "# TYPE latency_seconds histogram\n"
                       "latency_seconds_bucket{le=\"0.5\"} 1\n"
                       "latency_seconds_bucket{le=\"1\"} 1\n"
                       "latency_seconds_bucket{le=\"+Inf\"} 2\n"
                       "latency_seconds_count 2\n"
                       "latency_seconds_sum 3.25\n"))
      << om;
}

TEST(OpenMetricsTest, NegativeSumsAreLeftOutAsOpenMetricsRequires) {
  auto registry = NewMetricsRegistry();
  auto histogram = NewHistogram({"", "", "delta", "Delta", {}, {-1, 0, 1}});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "delta", histogram).ok());
  histogram.Observe(-3);
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om, "delta_bucket{le=\"+Inf\"} 1\n")) << om;
  EXPECT_FALSE(Contains(om, "delta_sum")) << om;
  EXPECT_FALSE(Contains(om, "delta_count")) << om;
  EXPECT_EQ(PythonParserVerdict(om, "negative"), "");
}

TEST(OpenMetricsTest, CreatedSamplesAreAnOption) {
  auto registry = NewMetricsRegistry();
  const double before =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto counter = NewCounter({"", "", "jobs_total", "Jobs", {}});
  ASSERT_TRUE(registry->RegisterCounter("svc", "jobs", counter).ok());
  registry->CoreMetrics().RecordProcessingDuration("svc", "op", std::chrono::seconds(1));
  const std::string om = OpenMetricsExposition(*registry, {/*created=*/true});
  const std::size_t at = om.find("jobs_created ");
  ASSERT_NE(at, std::string::npos) << om;
  const double created = std::strtod(om.c_str() + at + 13, nullptr);
  EXPECT_GE(created, before - 1);
  EXPECT_LE(created, before + 60);
  EXPECT_TRUE(Contains(om, "semstreams_processing_duration_seconds_created{")) << om;
  EXPECT_EQ(PythonParserVerdict(om, "created"), "");
}

TEST(OpenMetricsTest, ClashingOpenMetricsNamesKeepTheFirstFamily) {
  auto registry = NewMetricsRegistry();
  auto counter = NewCounter({"", "", "x_total", "counter", {}});
  auto gauge = NewGauge({"", "", "x", "gauge", {}});
  ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
  ASSERT_TRUE(registry->RegisterGauge("svc", "g", gauge).ok());
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om, "# TYPE x gauge\n")) << om;
  EXPECT_FALSE(Contains(om, "# TYPE x counter\n")) << om;
  EXPECT_EQ(PythonParserVerdict(om, "clash"), "");
}

// Everything the library can export at once: core families with exemplars,
// escapes, invalid UTF-8, raw prometheus-cpp families (a summary too).
TEST(OpenMetricsTest, PythonParserAcceptsAFullRegistry) {
  auto registry = NewMetricsRegistry();
  auto& core = registry->CoreMetrics();
  core.RecordProcessingDuration("svc", "op", std::chrono::milliseconds(5), "trace-1");
  core.RecordError("svc", "bad\xff\"\\\n", "trace-2");
  core.RecordMessageReceived("svc", "t");
  core.RecordNATSRTT(std::chrono::milliseconds(3));
  auto& raw = prometheus::BuildCounter()
                  .Name("raw_things")
                  .Help("")
                  .Register(*registry->PrometheusRegistry());
  raw.Add({{"k", "v"}}).Increment(2);
  auto& summary = prometheus::BuildSummary()
                      .Name("raw_summary")
                      .Help("s")
                      .Register(*registry->PrometheusRegistry());
  summary.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.99, 0.001}}).Observe(1);
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om, "# TYPE raw_things counter\nraw_things_total{k=\"v\"} 2\n")) << om;
  EXPECT_EQ(PythonParserVerdict(om, "full"), "");
  EXPECT_EQ(PythonParserVerdict(OpenMetricsExposition(*registry, {true}), "full_created"), "");
}

#if __has_include("prometheus/info.h")
// prometheus-cpp 1.2+ has an Info type (1.0.1 has not): OpenMetrics types it
// as info, and the text format writes it as prometheus-cpp does.
TEST(OpenMetricsTest, InfoFamiliesOfNewerPrometheusCppAreTypedInfo) {
  auto registry = NewMetricsRegistry();
  prometheus::BuildInfo()
      .Name("build")
      .Help("Build information")
      .Register(*registry->PrometheusRegistry())
      .Add({{"version", "1.2.3"}});
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_TRUE(Contains(om, "# TYPE build info\nbuild_info{version=\"1.2.3\"} 1\n")) << om;
  EXPECT_EQ(PythonParserVerdict(om, "info"), "");
  const std::string text = TextExposition(registry->Gather());
  EXPECT_TRUE(Contains(text, "build_info{version=\"1.2.3\"} 1\n")) << text;
}
#endif

// The exposition fuzzer's corpus, built the way the fuzzer builds it, plus
// counters and histograms whose exemplars take the same bytes.
TEST(OpenMetricsTest, PythonParserAcceptsTheFuzzCorpus) {
  int inputs = 0;
  for (const char* dir : {"exposition", "registration"}) {
    for (const auto& entry :
         fs::directory_iterator(fs::path(SEMSTREAMS_METRIC_SOURCE_DIR) / "fuzz/corpus" / dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      auto fields = fuzz::Fields(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      fields.resize(4);
      auto registry = NewMetricsRegistry();
      auto gauges = NewGaugeVec({"", "", "fuzz_gauge", "h" + fields[0], {}}, {"a", "b", "c"});
      auto counters = NewCounterVec({"", "", "fuzz_total", "h" + fields[0], {}}, {"a", "b", "c"});
      auto histograms =
          NewHistogramVec({"", "", "fuzz_seconds", "h" + fields[0], {}}, {"a", "b", "c"});
      ASSERT_TRUE(registry->RegisterGaugeVec("fuzz", "gauge", gauges).ok());
      ASSERT_TRUE(registry->RegisterCounterVec("fuzz", "counter", counters).ok());
      ASSERT_TRUE(registry->RegisterHistogramVec("fuzz", "histogram", histograms).ok());
      gauges.WithLabelValues(fields[1], fields[2], fields[3]).Set(42);
      counters.WithLabelValues(fields[1], fields[2], fields[3])
          .IncWithExemplar({{"trace_id", fields[1]}, {"span_id", fields[2]}});
      histograms.WithLabelValues(fields[3], fields[2], fields[1])
          .ObserveWithExemplar(0.3, {{"trace_id", fields[3]}});
      const std::string name = std::string(dir) + "_" + entry.path().filename().string();
      EXPECT_EQ(PythonParserVerdict(OpenMetricsExposition(*registry), name), "") << name;
      ++inputs;
    }
  }
  EXPECT_GE(inputs, 4);
}

}  // namespace
}  // namespace semstreams::metric
