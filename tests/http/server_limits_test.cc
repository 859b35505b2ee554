#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"
#include "support/raw_client.h"

namespace semstreams::metric {
namespace {

using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;

ServerOptions Loopback() {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  return options;
}

std::string MetricsUrl(const MetricsServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics";
}

HttpResponse ScrapeWithTimeoutHeader(const MetricsServer& server, const std::string& seconds) {
  HttpRequestOptions request;
  request.headers = {"X-Prometheus-Scrape-Timeout-Seconds: " + seconds};
  return HttpGet(MetricsUrl(server), request);
}

TEST(ServerLimitsTest, ScrapePastTheScrapersTimeoutHeaderIs503) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  const HttpResponse late = ScrapeWithTimeoutHeader(server, "0.000001");
  EXPECT_EQ(late.status, 503) << late.error;
  EXPECT_THAT(late.body, HasSubstr("deadline"));

  EXPECT_EQ(ScrapeWithTimeoutHeader(server, "10").status, 200);
  // Not a positive number: as if the header were absent.
  for (const char* ignored : {"abc", "-1", "0", "nan", "1e999", "5s"}) {
    EXPECT_EQ(ScrapeWithTimeoutHeader(server, ignored).status, 200) << ignored;
  }
}

TEST(ServerLimitsTest, ScrapeTimeoutOptionBoundsTheScrapeAndTheHeaderCanOnlyShortenIt) {
  auto registry = NewMetricsRegistry();
  // Enough series that a gather takes well over a microsecond.
  for (int i = 0; i < 2000; ++i)
    registry->CoreMetrics().RecordError("svc" + std::to_string(i), "t");
  ServerOptions options = Loopback();
  options.scrape_timeout = std::chrono::milliseconds(1);
  MetricsServer tight(options, registry);
  ASSERT_TRUE(tight.Start().ok());
  const HttpResponse response = HttpGet(MetricsUrl(tight));
  EXPECT_EQ(response.status, 503) << response.error;
  // A longer header does not extend the option's deadline.
  EXPECT_EQ(ScrapeWithTimeoutHeader(tight, "30").status, 503);

  options.scrape_timeout = std::chrono::seconds(30);
  MetricsServer roomy(options, registry);
  ASSERT_TRUE(roomy.Start().ok());
  EXPECT_EQ(HttpGet(MetricsUrl(roomy)).status, 200);
  EXPECT_EQ(ScrapeWithTimeoutHeader(roomy, "0.000001").status, 503);
}

TEST(ServerLimitsTest, RequestsOverMaxInFlightGet503AtOnceAndServingResumes) {
  auto registry = NewMetricsRegistry();
  // About 8 MB of text: more than loopback socket buffers hold, so a client
  // that does not read keeps its scrape in flight.
  for (int i = 0; i < 100000; ++i) {
    registry->CoreMetrics().RecordError("service_" + std::to_string(i), "timeout");
  }
  ServerOptions options = Loopback();
  options.max_requests_in_flight = 1;
  options.request_timeout = std::chrono::seconds(20);
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());

  auto stuck = std::make_unique<testing::RawClient>(server.Port(), 4096);
  ASSERT_TRUE(stuck->connected());
  stuck->Send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");

  // Poll until the stuck scrape holds the one place; each refusal is immediate.
  HttpResponse refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < 200 && std::chrono::steady_clock::now() < deadline; ++i) {
    const auto start = std::chrono::steady_clock::now();
    refused = HttpGet(MetricsUrl(server));
    if (refused.status == 503) {
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(refused.status, 503) << refused.error;
  EXPECT_THAT(refused.body, HasSubstr("in flight"));
  // /health is not the metrics handler and is never refused.
  EXPECT_EQ(HttpGet("http://127.0.0.1:" + std::to_string(server.Port()) + "/health").status, 200);

  stuck.reset();  // the server's write fails and the place frees
  HttpResponse served;
  // Generous: under TSan one build of 100,000 series takes seconds.
  HttpRequestOptions patient;
  patient.timeout = std::chrono::seconds(30);
  const auto resume_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < 3000 && std::chrono::steady_clock::now() < resume_deadline; ++i) {
    served = HttpGet(MetricsUrl(server), patient);
    if (served.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(served.status, 200) << served.error;
}

}  // namespace
}  // namespace semstreams::metric
