// /metrics answers the format the Accept header negotiates, gzipped or not.
#include <gtest/gtest.h>

#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;

constexpr const char* kPrometheusAccept =
    "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
constexpr const char* kOpenMetrics1 =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
constexpr const char* kText = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";

struct Served {
  std::shared_ptr<MetricsRegistry> registry = NewMetricsRegistry();
  std::unique_ptr<MetricsServer> server;

  explicit Served(bool openmetrics = true) {
    registry->CoreMetrics().RecordError("svc", "timeout", "4bf92f3577b34da6a3ce929d0e0e4736");
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.enable_openmetrics = openmetrics;
    server = std::make_unique<MetricsServer>(options, registry);
    EXPECT_TRUE(server->Start().ok());
  }
  HttpResponse Get(HttpRequestOptions request) const {
    return HttpGet("http://127.0.0.1:" + std::to_string(server->Port()) + "/metrics", request);
  }
};

bool EndsWithEof(const std::string& body) {
  return body.size() >= 6 && body.compare(body.size() - 6, 6, "# EOF\n") == 0;
}

TEST(ExpositionHttpTest, PrometheusScrapeHeaderGetsOpenMetricsWithExemplars) {
  Served served;
  HttpRequestOptions request;
  request.headers = {kPrometheusAccept};
  const HttpResponse response = served.Get(request);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_type, kOpenMetrics1);
  EXPECT_TRUE(EndsWithEof(response.body));
  EXPECT_NE(response.body.find("semstreams_errors_total{service=\"svc\",type=\"timeout\"} 1 # "
                               "{trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1 "),
            std::string::npos)
      << response.body;
}

TEST(ExpositionHttpTest, OpenMetricsIsGzippedWhenAsked) {
  Served served;
  HttpRequestOptions request;
  request.headers = {kPrometheusAccept};
  request.accept_gzip = true;
  const HttpResponse response = served.Get(request);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_encoding, "gzip");
  EXPECT_EQ(response.content_type, kOpenMetrics1);
  EXPECT_TRUE(EndsWithEof(response.body));  // libcurl inflated it
}

TEST(ExpositionHttpTest, NoAcceptGetsText) {
  Served served;
  const HttpResponse response = served.Get({});
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_type, kText);
  EXPECT_EQ(response.body.find("# EOF"), std::string::npos);
  EXPECT_NE(response.body.find("semstreams_errors_total{service=\"svc\",type=\"timeout\"} 1\n"),
            std::string::npos);
}

TEST(ExpositionHttpTest, OpenMetricsCanBeTurnedOff) {
  Served served(/*openmetrics=*/false);
  HttpRequestOptions request;
  request.headers = {kPrometheusAccept};
  request.accept_gzip = true;
  const HttpResponse response = served.Get(request);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_type, kText);
  EXPECT_EQ(response.content_encoding, "gzip");
  EXPECT_EQ(response.body.find("# EOF"), std::string::npos);
}

TEST(ExpositionHttpTest, VaryNamesAcceptAndAcceptEncoding) {
  Served served;
  const HttpResponse response = served.Get({});
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.headers.at("vary"), "Accept, Accept-Encoding");
}

}  // namespace
}  // namespace semstreams::metric
