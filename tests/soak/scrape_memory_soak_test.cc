// Memory per scrape: `wrk -t2 -c64 -d30s` (SEMSTREAMS_WRK_SECONDS overrides
// the duration) against /metrics over 10,000 series, then RSS must be at most
// twice the idle RSS plus 20 MB. Label soak: it runs for half a minute and
// needs wrk on PATH.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"
#include "support/process_stats.h"

namespace semstreams::metric {
namespace {

int WrkSeconds() {
  const char* env = std::getenv("SEMSTREAMS_WRK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 30;
  return seconds > 0 ? seconds : 30;
}

TEST(ScrapeMemorySoakTest, SixtyFourConcurrentScrapersOf10kSeriesLeaveRssBounded) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's shadow memory and quarantine are what RSS would measure.
  GTEST_SKIP() << "RSS bounds are measured without sanitizers (the dev build)";
#endif
  auto registry = NewMetricsRegistry();
  const CounterVec& vec = registry->CoreMetrics().MessagesProcessed;
  for (int i = 0; i < 10000; ++i) {
    vec.WithLabelValues("service-" + std::to_string(i / 8), "type-" + std::to_string(i % 4),
                        i % 8 < 4 ? "success" : "failure")
        .Add(7);
  }
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics";
  // A few scrapes first, so idle means "served before, now quiet".
  for (int i = 0; i < 3; ++i) ASSERT_EQ(testing::HttpGet(url).status, 200);
  const double idle_mb = testing::ReadProcessStats().rss_bytes / (1024.0 * 1024.0);

  const std::string seconds = std::to_string(WrkSeconds()) + "s";
  const std::string command = "wrk -t2 -c64 -d" + seconds + " --latency " + url + " 2>&1";
  FILE* wrk = popen(command.c_str(), "r");
  ASSERT_NE(wrk, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, wrk) != nullptr) output += buffer;
  const int status = pclose(wrk);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  ASSERT_NE(output.find("Requests/sec"), std::string::npos) << output;
  // Every request must have been answered with a 200.
  EXPECT_EQ(output.find("Non-2xx"), std::string::npos) << output;

  const double right_after_mb = testing::ReadProcessStats().rss_bytes / (1024.0 * 1024.0);
  // wrk's last requests may still be finishing on the server; one more
  // scrape, answered once they are done, makes "after" the quiet state.
  EXPECT_EQ(testing::HttpGet(url).status, 200);
  const double after_mb = testing::ReadProcessStats().rss_bytes / (1024.0 * 1024.0);
  std::printf("%s\nRSS idle %.1f MB, as wrk exits %.1f MB, after %.1f MB (bound %.1f MB)\n",
              output.c_str(), idle_mb, right_after_mb, after_mb, 2 * idle_mb + 20);
  EXPECT_LE(after_mb, 2 * idle_mb + 20);
}

}  // namespace
}  // namespace semstreams::metric
