#include "semstreams/metric/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <latch>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/registry.h"
#include "support/http_client.h"
#include "support/process_stats.h"
#include "support/raw_client.h"

namespace semstreams::metric {
namespace {

using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;
using ::testing::Not;
using testing::RawClient;
using ::testing::StartsWith;

ServerOptions Loopback(std::string path = "/metrics") {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.path = std::move(path);
  return options;
}

std::string Url(const MetricsServer& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.Port()) + path;
}

CounterOpts CounterDef(std::string name) {
  CounterOpts opts;
  opts.name = std::move(name);
  opts.help = "test counter";
  return opts;
}

GaugeOpts GaugeDef(std::string name) {
  GaugeOpts opts;
  opts.name = std::move(name);
  opts.help = "test gauge";
  return opts;
}

// The value of the sample written exactly as `series` (name plus labels) in
// Prometheus text, or nullopt when the series is absent.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

TEST(ServerTest, ServesRegistryInPrometheusTextAtMetricsPath) {
  auto registry = NewMetricsRegistry();
  Counter counter = NewCounter(CounterDef("orders_total"));
  ASSERT_TRUE(registry->RegisterCounter("shop", "orders", counter).ok());
  counter.Add(3);
  registry->CoreMetrics().RecordServiceStatus("shop", 2);

  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response = HttpGet(Url(server, "/metrics"));

  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.content_type, StartsWith("text/plain"));
  EXPECT_THAT(response.body, HasSubstr("# TYPE orders_total counter"));
  EXPECT_EQ(Sample(response.body, "orders_total"), 3.0);
  EXPECT_EQ(Sample(response.body, "semstreams_service_status{service=\"shop\"}"), 2.0);
  EXPECT_TRUE(Sample(response.body, "process_start_time_seconds").has_value());
}

TEST(ServerTest, CompressesMetricsWithGzipOnlyWhenTheClientAsks) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordError("shop", "timeout");
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());

  HttpRequestOptions raw;
  raw.headers = {"Accept-Encoding: gzip"};
  raw.raw_body = true;
  const HttpResponse compressed = HttpGet(Url(server, "/metrics"), raw);
  ASSERT_TRUE(compressed.ok()) << compressed.error;
  EXPECT_EQ(compressed.content_encoding, "gzip");
  ASSERT_GE(compressed.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(compressed.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(compressed.body[1]), 0x8b);

  HttpRequestOptions decoded;
  decoded.accept_gzip = true;
  const HttpResponse inflated = HttpGet(Url(server, "/metrics"), decoded);
  ASSERT_TRUE(inflated.ok()) << inflated.error;
  EXPECT_EQ(inflated.content_encoding, "gzip");
  EXPECT_EQ(Sample(inflated.body, "semstreams_errors_total{service=\"shop\",type=\"timeout\"}"),
            1.0);

  const HttpResponse plain = HttpGet(Url(server, "/metrics"));
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_EQ(plain.content_encoding, "");
  EXPECT_THAT(plain.body, HasSubstr("semstreams_errors_total"));
}

TEST(ServerTest, HealthReturnsJsonWithCurrentRfc3339UtcTimestamp) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const auto before = std::chrono::system_clock::now();
  const HttpResponse response = HttpGet(Url(server, "/health"));
  const auto after = std::chrono::system_clock::now();

  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const auto body = nlohmann::json::parse(response.body);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.size(), 2u);
  EXPECT_EQ(body.at("status"), "healthy");
  const std::string timestamp = body.at("timestamp");
  ASSERT_TRUE(std::regex_match(timestamp, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")))
      << timestamp;
  std::tm utc{};
  ASSERT_NE(strptime(timestamp.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc), nullptr);
  const auto stamped = std::chrono::system_clock::from_time_t(timegm(&utc));
  EXPECT_GE(stamped, std::chrono::time_point_cast<std::chrono::seconds>(before));
  EXPECT_LE(stamped, after);
}

TEST(ServerTest, IndexLinksMetricsPathAndHealth) {
  MetricsServer server(Loopback("/custom-metrics"), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response = HttpGet(Url(server, "/"));

  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.content_type, StartsWith("text/html"));
  EXPECT_THAT(response.body, HasSubstr("href=\"/custom-metrics\""));
  EXPECT_THAT(response.body, HasSubstr("href=\"/health\""));
}

TEST(ServerTest, ServesMetricsOnlyAtTheConfiguredPath) {
  MetricsServer server(Loopback("/custom-metrics"), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  const HttpResponse custom = HttpGet(Url(server, "/custom-metrics"));
  ASSERT_TRUE(custom.ok()) << custom.error;
  EXPECT_EQ(custom.status, 200);
  EXPECT_THAT(custom.body, HasSubstr("process_start_time_seconds"));
  EXPECT_EQ(HttpGet(Url(server, "/metrics")).status, 404);
}

TEST(ServerTest, UnknownPathsAre404) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  for (const char* path : {"/nope", "/metrics/extra", "/healthz", "/health/", "/index.html"}) {
    const HttpResponse response = HttpGet(Url(server, path));
    ASSERT_TRUE(response.ok()) << path << ": " << response.error;
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_THAT(response.body, Not(HasSubstr("process_start_time_seconds"))) << path;
  }
}

TEST(ServerTest, GoConstructorDefaultsToPort9090AndMetricsPath) {
  MetricsServer server(0, "", NewMetricsRegistry());
  EXPECT_FALSE(server.Running());
  EXPECT_EQ(server.Port(), 9090);
  EXPECT_EQ(server.Address(), "http://localhost:9090/metrics");

  MetricsServer custom(9102, "/stats", NewMetricsRegistry());
  EXPECT_EQ(custom.Port(), 9102);
  EXPECT_EQ(custom.Address(), "http://localhost:9102/stats");
}

TEST(ServerTest, PortAndAddressReportTheBoundPort) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  EXPECT_EQ(server.Port(), 0);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(server.Running());
  EXPECT_GT(server.Port(), 0);
  EXPECT_EQ(server.Address(), "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics");
  EXPECT_EQ(HttpGet(server.Address()).status, 200);

  ServerOptions wildcard = Loopback();
  wildcard.bind_address = "0.0.0.0";
  MetricsServer any(wildcard, NewMetricsRegistry());
  ASSERT_TRUE(any.Start().ok());
  EXPECT_EQ(any.Address(), "http://localhost:" + std::to_string(any.Port()) + "/metrics");
}

TEST(ServerTest, StartTwiceIsAlreadyRunning) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const int port = server.Port();
  const Status again = server.Start();
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyRunning);
  EXPECT_THAT(again.message(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(again.message(), Not(HasSubstr(":0")));
  EXPECT_EQ(server.Port(), port);
  EXPECT_EQ(HttpGet(Url(server, "/health")).status, 200);
}

TEST(ServerTest, NullRegistryIsNilRegistry) {
  MetricsServer server(Loopback(), nullptr);
  const Status status = server.Start();
  EXPECT_EQ(status.code(), ErrorCode::kNilRegistry);
  EXPECT_FALSE(server.Running());
}

TEST(ServerTest, PortInUseIsBindFailedNamingTheAddress) {
  MetricsServer first(Loopback(), NewMetricsRegistry());
  ASSERT_TRUE(first.Start().ok());

  ServerOptions same = Loopback();
  same.port = first.Port();
  MetricsServer second(same, NewMetricsRegistry());
  const Status status = second.Start();
  EXPECT_EQ(status.code(), ErrorCode::kBindFailed);
  EXPECT_THAT(status.message(), HasSubstr("127.0.0.1:" + std::to_string(first.Port())));
  EXPECT_FALSE(second.Running());
  EXPECT_EQ(HttpGet(Url(first, "/health")).status, 200);
}

TEST(ServerTest, BadMetricsPathIsInvalidArgument) {
  for (const char* path :
       {"", "metrics", "/", "/health", "/metrics?x=1", "/metrics#top", "/a b", "/m\n"}) {
    MetricsServer server(Loopback(path), NewMetricsRegistry());
    EXPECT_EQ(server.Start().code(), ErrorCode::kInvalidArgument) << path;
    EXPECT_FALSE(server.Running()) << path;
  }
}

TEST(ServerTest, ResponseHeadersThatCouldInjectAreInvalidArgument) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"X-Ok", "a\r\nSet-Cookie: x=1"}, {"X-Ok", "a\nb"}, {"X Bad", "v"}, {"", "v"}, {"X-Ok:", "v"},
      {std::string("X-\0", 3), "v"}};
  for (const auto& [name, value] : bad) {
    ServerOptions options = Loopback();
    options.response_headers = {{name, value}};
    MetricsServer server(options, NewMetricsRegistry());
    EXPECT_EQ(server.Start().code(), ErrorCode::kInvalidArgument) << name << ": " << value;
    EXPECT_FALSE(server.Running());
  }
  ServerOptions options = Loopback();
  options.response_headers = {{"X-Content-Type-Options", "nosniff"}};
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response = HttpGet(Url(server, "/health"));
  EXPECT_EQ(response.headers.at("x-content-type-options"), "nosniff");
}

TEST(ServerTest, MalformedBindAddressIsInvalidArgumentNotSomeOtherAddress) {
  for (const char* address : {"999.1.1.1", "127.0.0.257", "1.2.3", "127.0.0.1:80", "::1", "[::1",
                              "[not-ipv6]", "127.0.0.1,0.0.0.0", "bad host", "-x"}) {
    ServerOptions options = Loopback();
    options.bind_address = address;
    MetricsServer server(options, NewMetricsRegistry());
    const Status status = server.Start();
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << address;
    EXPECT_THAT(status.message(), HasSubstr(address));
    EXPECT_FALSE(server.Running()) << address;
  }
  for (int port : {-1, 65536}) {
    ServerOptions options = Loopback();
    options.port = port;
    EXPECT_EQ(MetricsServer(options, NewMetricsRegistry()).Start().code(),
              ErrorCode::kInvalidArgument)
        << port;
  }
  ServerOptions named = Loopback();
  named.bind_address = "localhost";
  MetricsServer by_name(named, NewMetricsRegistry());
  ASSERT_TRUE(by_name.Start().ok());
  EXPECT_EQ(HttpGet(Url(by_name, "/health")).status, 200);
}

TEST(ServerTest, Ipv6LoopbackServesOrIsRefusedSayingWhy) {
  ServerOptions options = Loopback();
  options.bind_address = "[::1]";
  MetricsServer server(options, NewMetricsRegistry());
  const Status status = server.Start();
  if (status.ok()) {
    const std::string url = "http://[::1]:" + std::to_string(server.Port()) + "/health";
    EXPECT_EQ(server.Address(), "http://[::1]:" + std::to_string(server.Port()) + "/metrics");
    EXPECT_EQ(HttpGet(url).status, 200);
  } else {
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("without IPv6"));
  }
}

TEST(ServerTest, StopIsIdempotentAndStartWorksAgain) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  EXPECT_TRUE(server.Stop().ok());  // never started
  ASSERT_TRUE(server.Start().ok());
  const std::string first_url = Url(server, "/health");
  EXPECT_EQ(HttpGet(first_url).status, 200);

  EXPECT_TRUE(server.Stop().ok());
  EXPECT_FALSE(server.Running());
  EXPECT_TRUE(server.Stop().ok());
  EXPECT_FALSE(HttpGet(first_url).ok());  // the port was released

  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(HttpGet(Url(server, "/health")).status, 200);
}

TEST(ServerTest, WaitBlocksUntilStop) {
  MetricsServer server(Loopback(), NewMetricsRegistry());
  server.Wait();  // not running: returns at once
  ASSERT_TRUE(server.Start().ok());

  std::latch waiting(1);
  std::atomic<bool> running_when_woken{true};
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    waiting.count_down();
    server.Wait();
    running_when_woken = server.Running();
    returned = true;
  });
  waiting.wait();
  EXPECT_EQ(HttpGet(Url(server, "/health")).status, 200);
  EXPECT_FALSE(returned.load());
  ASSERT_TRUE(server.Stop().ok());
  waiter.join();
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(running_when_woken.load());
}

TEST(ServerTest, HundredStartStopCyclesLeakNoThreadsOrFds) {
  auto registry = NewMetricsRegistry();
  {  // one warm-up cycle: first use initialises libcurl's globals
    MetricsServer server(Loopback(), registry);
    ASSERT_TRUE(server.Start().ok());
    ASSERT_EQ(HttpGet(Url(server, "/metrics")).status, 200);
  }
  const int threads_before = testing::CountEntries("/proc/self/task");
  const int fds_before = testing::CountEntries("/proc/self/fd");

  MetricsServer reused(Loopback(), registry);
  for (int i = 0; i < 100; ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(reused.Start().ok()) << "cycle " << i;
      if (i % 10 == 0) {
        ASSERT_EQ(HttpGet(Url(reused, "/metrics")).status, 200) << "cycle " << i;
      }
      ASSERT_TRUE(reused.Stop().ok());
    } else {
      MetricsServer scoped(Loopback(), registry);  // stopped by its destructor
      ASSERT_TRUE(scoped.Start().ok()) << "cycle " << i;
    }
  }

  EXPECT_EQ(testing::CountEntries("/proc/self/task"), threads_before);
  EXPECT_EQ(testing::CountEntries("/proc/self/fd"), fds_before);
}

TEST(ServerTest, SlowAndBrokenClientsDoNotStopAScrape) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordNATSReconnect();
  MetricsServer server(Loopback(), registry);  // default threads and timeouts
  ASSERT_TRUE(server.Start().ok());
  const int port = server.Port();

  // Twenty connections that start a request and never finish its headers.
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 20; ++i) {
    stalled.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(stalled.back()->connected());
    stalled.back()->Send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
  }
  RawClient garbage(port);
  ASSERT_TRUE(garbage.connected());
  garbage.Send("\x16\x03\x01 this is not HTTP at all\r\n\r\n");
  RawClient huge(port);
  ASSERT_TRUE(huge.connected());
  std::thread huge_sender([&] {
    huge.Send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(200 * 1024, 'a') +
              "\r\n\r\n");
  });

  HttpRequestOptions scraper;
  scraper.timeout = std::chrono::seconds(5);
  const HttpResponse response = HttpGet(Url(server, "/metrics"), scraper);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const std::string garbage_answer = garbage.ReadUntilClosed(deadline);
  huge_sender.join();

  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Sample(response.body, "semstreams_nats_reconnects_total"), 1.0);
  EXPECT_THAT(garbage_answer, StartsWith("HTTP/1."));
  EXPECT_THAT(garbage_answer, HasSubstr(" 400 "));
  EXPECT_TRUE(garbage.closed());
  const std::string huge_answer = huge.ReadUntilClosed(deadline);
  EXPECT_THAT(huge_answer, Not(HasSubstr("semstreams_nats_reconnects_total")));
  EXPECT_TRUE(huge.closed());
}

TEST(ServerTest, AnsweredRequestsCloseAtOnceWithoutWaitingForTheirBodies) {
  ServerOptions options = Loopback();
  options.request_timeout = std::chrono::seconds(30);  // longer than the deadline below
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const std::pair<std::string, std::string> cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab", " 200 "},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab", " 405 "},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
       "HTTP/1.1 "},
  };
  for (const auto& [request, status] : cases) {
    RawClient client(server.Port());
    ASSERT_TRUE(client.connected());
    client.Send(request);  // and never the rest of the body
    const auto start = std::chrono::steady_clock::now();
    const std::string answer = client.ReadUntilClosed(start + std::chrono::seconds(5));
    EXPECT_TRUE(client.closed()) << request;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3)) << request;
    EXPECT_THAT(answer, HasSubstr(status)) << request;
  }
  RawClient post(server.Port());
  post.Send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const std::string refused =
      post.ReadUntilClosed(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_THAT(refused, HasSubstr("405"));
  EXPECT_THAT(refused, HasSubstr("Allow: GET, HEAD"));
}

TEST(ServerTest, RequestTimeoutDisconnectsClientsThatNeverFinishHeaders) {
  ServerOptions options = Loopback();
  options.request_timeout = std::chrono::milliseconds(300);
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  RawClient slow(server.Port());
  ASSERT_TRUE(slow.connected());
  slow.Send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n");
  const std::string answer =
      slow.ReadUntilClosed(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  EXPECT_TRUE(slow.closed());
  EXPECT_THAT(answer, Not(HasSubstr("200 OK")));
}

TEST(ServerTest, ConcurrentScrapesWhileServicesRegisterAndRecord) {
  auto registry = NewMetricsRegistry();
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  const std::string url = Url(server, "/metrics");

  constexpr int kServices = 4;
  constexpr int kMinScrapes = 30;
  constexpr int kChurnEvery = 50;
  std::atomic<bool> done{false};
  std::atomic<int> scrapes{0};
  std::atomic<int> failed_scrapes{0};
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 3; ++i) {
    scrapers.emplace_back([&] {
      while (!done.load()) {
        const HttpResponse r = HttpGet(url);
        ++scrapes;
        if (!r.ok() || r.status != 200 || r.body.find("# TYPE") == std::string::npos) {
          ++failed_scrapes;
        }
      }
    });
  }
  std::vector<Counter> counters;
  for (int s = 0; s < kServices; ++s) {
    counters.push_back(NewCounter(CounterDef("svc" + std::to_string(s) + "_ops_total")));
  }
  // Writers keep recording and churning registrations until the scrapers
  // have run many times, and count exactly what they recorded.
  std::vector<int> increments(kServices, 0);
  std::atomic<int> registration_failures{0};
  std::vector<std::thread> writers;
  for (int s = 0; s < kServices; ++s) {
    writers.emplace_back([&, s] {
      const std::string service = "svc" + std::to_string(s);
      if (!registry->RegisterCounter(service, "ops", counters[s]).ok()) ++registration_failures;
      int i = 0;
      for (; i < 1000 || scrapes.load() < kMinScrapes; ++i) {
        counters[s].Inc();
        registry->CoreMetrics().RecordMessageReceived(service, "event");
        if (i % kChurnEvery == 0) {
          Gauge temp = NewGauge(GaugeDef(service + "_temp"));
          temp.Set(i);
          if (!registry->RegisterGauge(service, "temp", temp).ok()) ++registration_failures;
          if (!registry->Unregister(service, "temp")) ++registration_failures;
        }
      }
      increments[s] = i;
    });
  }
  for (auto& writer : writers) writer.join();
  done = true;
  for (auto& scraper : scrapers) scraper.join();

  EXPECT_EQ(registration_failures.load(), 0);
  EXPECT_EQ(failed_scrapes.load(), 0);
  EXPECT_GE(scrapes.load(), kMinScrapes);
  const HttpResponse final_scrape = HttpGet(url);
  ASSERT_EQ(final_scrape.status, 200);
  for (int s = 0; s < kServices; ++s) {
    const std::string service = "svc" + std::to_string(s);
    EXPECT_EQ(Sample(final_scrape.body, service + "_ops_total"), increments[s]) << service;
    EXPECT_EQ(Sample(final_scrape.body, "semstreams_messages_received_total{service=\"" + service +
                                            "\",type=\"event\"}"),
              increments[s])
        << service;
    EXPECT_FALSE(Sample(final_scrape.body, service + "_temp").has_value()) << service;
  }
}

TEST(ServerTest, MetricsIsTextFormat004WithoutExposerFamilies) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordNATSReconnect();
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response = HttpGet(Url(server, "/metrics"));
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_type,
            "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  // HTTP/1.1 keeps the connection: only a response that ends it says so.
  EXPECT_EQ(response.headers.count("connection"), 0u);
  EXPECT_THAT(response.body, Not(HasSubstr("exposer_")));
}

// Connections are kept alive between scrapes; once, with keep-alive off, a
// response that did not say "Connection: close" made
// clients that reuse connections (Prometheus does) fail every other scrape.
TEST(ServerTest, OneClientConnectionReusedForManyScrapesAlwaysSucceeds) {
  auto registry = NewMetricsRegistry();
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  const std::string url = Url(server, "/metrics");
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    body.clear();
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK &&
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200 &&
        body.find("process_open_fds") != std::string::npos) {
      ++ok;
    }
  }
  curl_easy_cleanup(curl);
  EXPECT_EQ(ok, 20);
}

TEST(ServerTest, GzipRefusedWithQZeroIsNotCompressed) {
  auto registry = NewMetricsRegistry();
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  HttpRequestOptions request;
  request.headers = {"Accept-Encoding: gzip;q=0, identity"};
  request.raw_body = true;
  const HttpResponse response = HttpGet(Url(server, "/metrics"), request);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.content_encoding, "");
  EXPECT_THAT(response.body, HasSubstr("# TYPE process_open_fds gauge"));
}

TEST(ServerTest, LabelValuesOfAnyBytesComeOutEscapedAndValidUtf8) {
  auto registry = NewMetricsRegistry();
  const GaugeVec vec = NewGaugeVec({.name = "odd", .help = "Odd label values"}, {"v"});
  ASSERT_TRUE(registry->RegisterGaugeVec("svc", "odd", vec).ok());
  vec.WithLabelValues(std::string("q\"b\\n\nz\xff", 8)).Set(1);
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response = HttpGet(Url(server, "/metrics"));
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_THAT(response.body, HasSubstr("odd{v=\"q\\\"b\\\\n\\nz\xEF\xBF\xBD\"} 1\n"));
}

TEST(ServerTest, ClientsHangingUpMidResponseDoNotHurtTheNextScrape) {
  auto registry = NewMetricsRegistry();
  const CounterVec big = NewCounterVec({.name = "big_total", .help = "Big"}, {"i"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "big", big).ok());
  for (int i = 0; i < 50000; ++i) big.WithLabelValues(std::to_string(i)).Inc();
  MetricsServer server(Loopback(), registry);
  ASSERT_TRUE(server.Start().ok());
  for (int i = 0; i < 10; ++i) {
    RawClient client(server.Port());
    ASSERT_TRUE(client.connected());
    client.Send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
    // Wait for the first bytes of the ~1.5 MB answer, then hang up with an RST.
    pollfd fd{client.fd(), POLLIN, 0};
    ASSERT_EQ(poll(&fd, 1, 5000), 1);
    linger abort{1, 0};
    setsockopt(client.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  HttpRequestOptions scraper;
  scraper.timeout = std::chrono::seconds(5);
  const HttpResponse response = HttpGet(Url(server, "/metrics"), scraper);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Sample(response.body, "big_total{i=\"49999\"}"), 1.0);
}

TEST(ServerTest, ScrapesDuringStopNeitherCrashNorHang) {
  auto registry = NewMetricsRegistry();
  for (int round = 0; round < 5; ++round) {
    MetricsServer server(Loopback(), registry);
    ASSERT_TRUE(server.Start().ok());
    const std::string url = Url(server, "/metrics");
    std::atomic<bool> done{false};
    std::atomic<int> served{0};
    std::vector<std::thread> scrapers;
    for (int i = 0; i < 4; ++i) {
      scrapers.emplace_back([&] {
        HttpRequestOptions request;
        request.timeout = std::chrono::seconds(5);
        while (!done.load()) {
          const HttpResponse response = HttpGet(url, request);
          if (response.ok() && response.status == 200) served.fetch_add(1);
        }
      });
    }
    while (served.load() < 4) std::this_thread::yield();  // scrapes are in flight
    const auto before_stop = std::chrono::steady_clock::now();
    EXPECT_TRUE(server.Stop().ok());
    EXPECT_LT(std::chrono::steady_clock::now() - before_stop, std::chrono::seconds(5));
    EXPECT_FALSE(server.Running());
    done = true;
    for (auto& scraper : scrapers) scraper.join();
  }
}

}  // namespace
}  // namespace semstreams::metric
