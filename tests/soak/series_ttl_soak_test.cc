// series_ttl over a minute of churn: 100,000 distinct children created at a
// steady rate by 4 threads with a 5 s ttl, scraped every second. Live series
// stay at about a ttl's worth, no scrape shows a child unwritten for longer
// than the ttl plus one scrape interval, and memory stops growing.
// SEMSTREAMS_TTL_SOAK_SECONDS shortens it (the children scale with it).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "semstreams/metric.h"
#include "support/process_stats.h"

namespace semstreams::metric {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int SoakSeconds() {
  const char* env = std::getenv("SEMSTREAMS_TTL_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 60;
  return std::clamp(seconds, 4, 600);
}

// What one scrape showed: how many children, and the longest any had gone
// unwritten (each child is written once, and its label says when).
struct ScrapeView {
  std::size_t series = 0;
  std::chrono::milliseconds oldest{0};
};

ScrapeView Look(std::string_view text, Clock::time_point start, Clock::time_point now) {
  ScrapeView view;
  const std::string_view marker = "churn_total{written_ms=\"";
  for (std::size_t at = text.find(marker); at != std::string_view::npos;
       at = text.find(marker, at + 1)) {
    const char* begin = text.data() + at + marker.size();
    long long written_ms = 0;
    std::from_chars(begin, text.data() + text.size(), written_ms);
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - start) -
                     std::chrono::milliseconds(written_ms);
    view.oldest = std::max(view.oldest, age);
    ++view.series;
  }
  return view;
}

TEST(SeriesTtlSoakTest, ChurningChildrenStayAtATtlsWorth) {
  const int seconds = SoakSeconds();
  const std::chrono::seconds ttl = 5s;
  const auto interval = 1s;
  const long children = 100'000L * seconds / 60;
  constexpr int kThreads = 4;

  auto registry = NewMetricsRegistry();
  const CounterVec churn =
      NewCounterVec({.name = "churn_total", .help = "One child per peer.", .series_ttl = ttl},
                    {"written_ms", "peer"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "churn", churn).ok());

  const Clock::time_point start = Clock::now();
  const auto duration = std::chrono::seconds(seconds);
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      const long mine = children / kThreads;
      for (long i = 0; i < mine; ++i) {
        // A steady rate: child i is due at i/mine of the way through.
        std::this_thread::sleep_until(start + duration * i / mine);
        const auto written =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        churn
            .WithLabelValues(std::to_string(written.count()),
                             std::to_string(t) + "-" + std::to_string(i))
            .Inc();
      }
    });
  }

  std::size_t most_series = 0;
  std::chrono::milliseconds oldest{0};
  std::chrono::milliseconds worst_excess{-1'000'000};  // age shown minus (ttl + interval)
  double rss_half = 0;
  double rss_end = 0;
  Clock::time_point previous = start;
  for (int s = 1; s <= seconds; ++s) {
    std::this_thread::sleep_until(start + interval * s);
    // Ages are taken as of the scrape's start, where it sweeps; the interval
    // is the one this scrape actually followed, jitter included.
    const Clock::time_point scraped = Clock::now();
    const std::string text = OpenMetricsExposition(*registry);
    const ScrapeView view = Look(text, start, scraped);
    most_series = std::max(most_series, view.series);
    oldest = std::max(oldest, view.oldest);
    // 10 ms of measurement: the vector's clock and the labels count whole
    // milliseconds, and the sweep runs a little after `scraped`, once the
    // families before this one are collected.
    const auto bound =
        std::chrono::duration_cast<std::chrono::milliseconds>(ttl + (scraped - previous) + 10ms);
    worst_excess = std::max(worst_excess, view.oldest - bound);
    previous = scraped;
    const double rss = testing::ReadProcessStats().rss_bytes / (1024.0 * 1024.0);
    if (s == seconds / 2) rss_half = rss;
    if (s == seconds) rss_end = rss;
  }
  for (auto& writer : writers) writer.join();

  const double per_second = static_cast<double>(children) / seconds;
  std::printf(
      "children %ld over %d s (%.0f/s), ttl %lld s: at most %zu live in a scrape "
      "(%.0f s worth), oldest shown %lld ms unwritten; RSS %.1f MiB at %d s, %.1f MiB "
      "at %d s\n",
      children, seconds, per_second, static_cast<long long>(ttl.count()), most_series,
      most_series / per_second, static_cast<long long>(oldest.count()), rss_half, seconds / 2,
      rss_end, seconds);
  // A ttl's worth, plus the sweep intervals: before the first sweep that
  // notes a write, and after the ttl until the sweep that removes the child.
  EXPECT_LE(static_cast<double>(most_series), per_second * (ttl.count() + 1.5));
  EXPECT_LE(worst_excess.count(), 0)
      << "a scrape showed a child unwritten for longer than the ttl plus the interval before it";
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  std::printf("RSS is not compared under a sanitizer (shadow memory, quarantine)\n");
#else
  EXPECT_LE(rss_end, rss_half * 1.2);
#endif
}

}  // namespace
}  // namespace semstreams::metric
