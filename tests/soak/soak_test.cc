// A bounded soak: 8 scrapers over loopback, recorders on every core family and
// registration churn of 1,000 register+unregister pairs a second, for
// SEMSTREAMS_SOAK_SECONDS (default 10; CI runs 60). Asserts zero errors, exact
// recorded totals, and no growth of fds, threads or RSS once warm; prints the
// figures the README's reliability section quotes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric/server.h"
#include "support/http_client.h"
#include "support/process_stats.h"

namespace semstreams::metric {
namespace {

using std::chrono::duration;
using std::chrono::steady_clock;
using testing::HttpGet;
using testing::ReadProcessStats;

constexpr int kScrapers = 8;

// Sanitizer runtimes distort the figures: ASan holds freed memory in
// quarantine (256 MiB by default) and TSan keeps shadow state, so RSS is no
// measure of leaks there (LeakSanitizer is), and TSan starts a background
// thread of its own at some point during the run.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
constexpr int kRecorders = 2;

std::chrono::seconds SoakLength() {
  const char* env = std::getenv("SEMSTREAMS_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 10;
  return std::chrono::seconds(std::max(seconds, 2));
}

// Scrape latencies in 10 us buckets up to 1 s, allocated up front: a growing
// list of samples would itself look like a leak in the RSS check.
class LatencyHistogram {
 public:
  static constexpr double kBucketMs = 0.01;
  LatencyHistogram() : counts_(100000, 0) {}
  void Add(double ms) {
    const auto bucket = static_cast<std::size_t>(ms / kBucketMs);
    ++counts_[std::min(bucket, counts_.size() - 1)];
    ++total_;
  }
  void Merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }
  std::uint64_t total() const { return total_; }
  double Percentile(double p) const {
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return static_cast<double>(i + 1) * kBucketMs;
    }
    return static_cast<double>(counts_.size()) * kBucketMs;
  }

 private:
  std::vector<std::uint32_t> counts_;
  std::uint64_t total_ = 0;
};

double SeriesValue(const MetricsRegistry& registry, const std::string& family_name,
                   const std::string& service) {
  for (const auto& family : registry.Gather()) {
    if (family.name != family_name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "service" && label.value == service) {
          return family.type == prometheus::MetricType::Histogram
                     ? static_cast<double>(metric.histogram.sample_count)
                     : metric.counter.value;
        }
      }
    }
  }
  return -1;
}

TEST(SoakTest, ServesEveryScrapeWithoutLossOrGrowth) {
  const auto before = ReadProcessStats();
  auto registry = NewMetricsRegistry();
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.threads = kScrapers + 2;
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics";
  // Scrapers look for this family, and a vector with no series is not
  // exported (as in Go): give it one before any scraper starts.
  registry->CoreMetrics().RecordMessageProcessed("soak-primer", "", "success");

  const auto length = SoakLength();
  const auto warm_up = std::max<steady_clock::duration>(std::chrono::seconds(1), length / 10);
  const auto start = steady_clock::now();
  const auto warm_at = start + warm_up;
  const auto stop_at = start + length;

  std::atomic<long> errors{0};
  std::mutex first_error_mu;
  std::string first_error;
  std::vector<LatencyHistogram> latencies(kScrapers);
  LatencyHistogram all_latencies;
  testing::ProcessStats warm{}, late{};

  std::vector<std::thread> threads;
  for (int s = 0; s < kScrapers; ++s) {
    threads.emplace_back([&, s] {
      LatencyHistogram& mine = latencies[static_cast<std::size_t>(s)];
      while (steady_clock::now() < stop_at) {
        const auto t0 = steady_clock::now();
        testing::HttpRequestOptions request;
        request.accept_gzip = (mine.total() % 2) == 1;  // half the scrapes compressed
        const auto response = HttpGet(url, request);
        const double ms = duration<double, std::milli>(steady_clock::now() - t0).count();
        if (!response.ok() || response.status != 200 ||
            response.body.find("semstreams_messages_processed_total") == std::string::npos) {
          errors.fetch_add(1);
          std::lock_guard<std::mutex> lock(first_error_mu);
          if (first_error.empty()) {
            first_error = "error '" + response.error + "', status " +
                          std::to_string(response.status) + ", body " +
                          response.body.substr(0, 200);
          }
        }
        mine.Add(ms);
      }
    });
  }

  std::vector<long> recorded(kRecorders, 0);
  CoreMetrics& core = registry->CoreMetrics();
  for (int r = 0; r < kRecorders; ++r) {
    threads.emplace_back([&, r] {
      const std::string service = "soak-recorder-" + std::to_string(r);
      long n = 0;
      while (steady_clock::now() < stop_at) {
        for (int i = 0; i < 256; ++i, ++n) {
          core.RecordMessageReceived(service, "telemetry.sensor.reading");
          core.RecordMessageProcessed(service, "telemetry.sensor.reading", "success");
          core.RecordMessagePublished(service, "semstreams.enriched");
          core.RecordProcessingDuration(service, "enrich", std::chrono::microseconds(n % 5000));
          core.RecordError(service, "validation");
          core.RecordServiceStatus(service, 2);
          core.RecordHealthStatus(service, true);
          core.RecordNATSRTT(std::chrono::microseconds(800));
          core.RecordNATSStatus(true);
          core.RecordCircuitBreakerState(0);
        }
      }
      recorded[static_cast<std::size_t>(r)] = n;
    });
  }

  // Samples taken while every thread runs, so that like is compared with like;
  // the clock decides when (no thread waits on another through it).
  threads.emplace_back([&] {
    std::this_thread::sleep_until(warm_at);
    warm = ReadProcessStats();
    std::this_thread::sleep_until(
        stop_at - std::min<steady_clock::duration>(std::chrono::milliseconds(500), warm_up));
    late = ReadProcessStats();
  });

  long churned = 0;
  threads.emplace_back([&] {
    // 1,000 register+unregister pairs a second, paced by the clock (a rate,
    // not a synchronisation: nothing waits for another thread here).
    auto next = steady_clock::now();
    for (long i = 0; steady_clock::now() < stop_at; ++i) {
      const Counter counter =
          NewCounter({.name = "churn_" + std::to_string(i % 5000) + "_total", .help = "Churn"});
      const std::string key = "metric" + std::to_string(i % 5000);
      if (registry->RegisterCounter("churn", key, counter).ok()) {
        counter.Inc();
        if (registry->Unregister("churn", key)) ++churned;
      }
      next += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next);
    }
  });
  for (auto& thread : threads) thread.join();
  for (const auto& histogram : latencies) all_latencies.Merge(histogram);
  const double seconds = duration<double>(steady_clock::now() - start).count();

  EXPECT_EQ(errors.load(), 0) << "first: " << first_error;
  for (int r = 0; r < kRecorders; ++r) {
    const std::string service = "soak-recorder-" + std::to_string(r);
    const double n = static_cast<double>(recorded[static_cast<std::size_t>(r)]);
    EXPECT_EQ(SeriesValue(*registry, "semstreams_messages_processed_total", service), n);
    EXPECT_EQ(SeriesValue(*registry, "semstreams_messages_received_total", service), n);
    EXPECT_EQ(SeriesValue(*registry, "semstreams_errors_total", service), n);
    EXPECT_EQ(SeriesValue(*registry, "semstreams_processing_duration_seconds", service), n);
  }
  // Once warm, a steady workload holds steady: fds vary only by the sockets
  // in flight (at most two per scraper), threads not at all, memory within
  // allocator noise; and stopping the server gives back all it took.
  EXPECT_LE(late.open_fds, warm.open_fds + 2 * kScrapers);
  EXPECT_EQ(late.threads, warm.threads);
  if (!kSanitized) {
    EXPECT_LE(late.rss_bytes, warm.rss_bytes + 8.0 * 1024 * 1024);
  }
  // Paced at 1,000 a second; a quarter of that still proves churn never stalled.
  EXPECT_GT(churned, static_cast<long>(seconds * 250));
  ASSERT_TRUE(server.Stop().ok());
  const auto after = ReadProcessStats();
  EXPECT_EQ(after.open_fds, before.open_fds);
  EXPECT_LE(after.threads, before.threads + (kSanitized ? 1 : 0));
  EXPECT_GE(after.threads, before.threads);

  std::printf(
      "soak: %.0f s, %d scrapers: %zu scrapes (%.0f/s), p50 %.2f ms, p99 %.2f ms, %ld errors; "
      "%ld recordings/recorder x %d; %ld register+unregister; warm -> late: RSS %.1f -> %.1f "
      "MiB, fds %d -> %d, threads %d -> %d; after Stop: fds %d, threads %d (before: %d, %d)\n",
      seconds, kScrapers, static_cast<std::size_t>(all_latencies.total()),
      static_cast<double>(all_latencies.total()) / seconds, all_latencies.Percentile(0.5),
      all_latencies.Percentile(0.99), errors.load(), recorded[0] * 10, kRecorders, churned,
      warm.rss_bytes / 1048576.0, late.rss_bytes / 1048576.0, warm.open_fds, late.open_fds,
      warm.threads, late.threads, after.open_fds, after.threads, before.open_fds, before.threads);
}

}  // namespace
}  // namespace semstreams::metric
