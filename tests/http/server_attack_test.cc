// The metrics server holds under cheap attacks. Each
// ServerAttackTest holds one attack against examples/metrics_server (a child
// process, 10,000 extra series) for SEMSTREAMS_ATTACK_SECONDS (default 45)
// while fresh scrapes are timed and the server's /proc is watched.
// ServerBatteryTest sends malformed and unusual requests to an in-process
// server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/attack.h"
#include "support/http_client.h"
#include "support/raw_client.h"

namespace semstreams::metric {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kSeries = 10000;
// Each padding series is a line of about 35 bytes (`padding_series_total{id="1234"} 1`);
// a body well below that total did not carry them.
constexpr std::size_t kMinMetricsBody = kSeries * 30;

// SEMSTREAMS_ATTACK_SECONDS shortens (or lengthens) the hold, e.g. for
// sanitizer builds; below a few seconds nothing would settle in, so 5 is the floor.
milliseconds HoldTime() {
  double s = 45;
  if (const char* env = std::getenv("SEMSTREAMS_ATTACK_SECONDS")) s = std::atof(env);
  return milliseconds(static_cast<long>(std::max(s, 5.0) * 1000));
}

// ---------------------------------------------------------------------------
// The attacks.

class ServerAttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The server (started later) inherits it; the attacker needs it too.
    testing::RaiseFileLimitToHard();
    char dir_template[] = "/tmp/semstreams-attack-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    const std::string command =
        std::string(SEMSTREAMS_OPENSSL_CLI) +
        " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        File("server.key") + " -out " + File("server.pem") + " >" + File("openssl.log") + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ofstream(File("web.yml")) << "tls_server_config:\n"
                                      "  cert_file: server.pem\n"
                                      "  key_file: server.key\n";
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  static std::string File(const std::string& name) { return dir_ + "/" + name; }

  // Holds the named attack against a fresh metrics_server and checks every
  // requirement; the figures go to stdout and the XML report.
  void HoldAttack(const std::string& name) {
    const std::optional<testing::AttackPlan> plan = testing::FindAttack(name);
    ASSERT_TRUE(plan.has_value()) << name;
    std::vector<std::string> args = {"--bind", "127.0.0.1", "--port",
                                     "0",      "--series",  std::to_string(kSeries)};
    if (plan->tls) args.insert(args.end(), {"--web-config", File("web.yml")});
    std::string error;
    std::unique_ptr<testing::ServerProcess> server =
        testing::ServerProcess::Start(SEMSTREAMS_METRICS_SERVER_BIN, args, seconds(30), &error);
    ASSERT_NE(server, nullptr) << error;

    testing::AttackRun run;
    run.plan = *plan;
    run.attacker.port = server->port();
    run.scrape.base_url = std::string(plan->tls ? "https" : "http") +
                          "://127.0.0.1:" + std::to_string(server->port());
    if (plan->tls) run.scrape.ca_file = File("server.pem");
    run.hold = HoldTime();
    run.server_pid = server->pid();
    const testing::AttackReport report = testing::RunAttack(run);
    ASSERT_TRUE(report.error.empty()) << report.error;
    const std::string json = report.ToJson();
    std::cout << "[attack] " << json << std::endl;
    RecordProperty("report", json);

    // Every attacking connection got through, and the server took them all.
    EXPECT_EQ(report.attacker.connects_failed, 0) << report.attacker.first_error;
    if (plan->server_holds_connections) {
      EXPECT_GE(report.attacker.peak_open, report.connections);
      EXPECT_GE(report.peak_fds - report.baseline.open_fds, report.connections)
          << "the server never held every attacking connection at once";
    }
    // Scrapes at 5 s and 40 s (scaled): all succeed within 1 s, median <= 50 ms.
    ASSERT_EQ(report.rounds.size(), 2u);
    for (const testing::ScrapeRound& round : report.rounds) {
      for (const char* path : {"/metrics", "/health"}) {
        const int want = std::string(path) == "/health" ? 3 : 10;
        EXPECT_EQ(round.Attempts(path), want);
        EXPECT_EQ(round.Successes(path), want) << path << " at " << round.at_seconds << " s";
        EXPECT_LE(round.MedianMs(path), 50.0) << path << " at " << round.at_seconds << " s";
        EXPECT_LE(round.MaxMs(path), 1000.0) << path << " at " << round.at_seconds << " s";
      }
      for (const testing::ScrapeSample& s : round.samples) {
        EXPECT_TRUE(s.ok) << s.path << " at " << round.at_seconds << " s: status " << s.status
                          << " after " << s.ms << " ms " << s.error;
        if (s.ok && s.path == "/metrics") {
          EXPECT_GE(s.body_bytes, kMinMetricsBody);
        }
      }
    }
    // The attack costs no thread and little memory, and leaves nothing behind.
    EXPECT_EQ(report.min_threads, report.baseline.threads);
    EXPECT_EQ(report.max_threads, report.baseline.threads);
    EXPECT_LE(report.peak_rss_bytes - report.baseline.rss_bytes, 64 * kMiB);
    EXPECT_TRUE(report.fds_settled) << report.after.open_fds << " fds " << report.settle_seconds
                                    << " s after the attack; baseline " << report.baseline.open_fds;
    EXPECT_EQ(server->Stop(seconds(10)), 0) << "metrics_server did not stop cleanly";
  }

  static inline std::string dir_;
};

TEST_F(ServerAttackTest, IdleConnectionsDoNotStopScrapes) { HoldAttack("idle"); }
TEST_F(ServerAttackTest, SlowlorisDoesNotStopScrapes) { HoldAttack("slowloris"); }
TEST_F(ServerAttackTest, SlowBodyPostsDoNotStopScrapes) { HoldAttack("slow-body"); }
TEST_F(ServerAttackTest, SlowReadersOfALargeBodyDoNotStopScrapes) { HoldAttack("slow-read"); }
TEST_F(ServerAttackTest, KeepAliveIdlersDoNotStopScrapes) { HoldAttack("keepalive-idle"); }
TEST_F(ServerAttackTest, TlsClientsThatStallBeforeOrInTheHelloDoNotStopScrapes) {
  HoldAttack("tls-hello");
}
TEST_F(ServerAttackTest, TlsSlowlorisDoesNotStopScrapes) { HoldAttack("tls-slowloris"); }

TEST(AttackSupportTest, CapturedClientHelloIsATlsHandshakeRecord) {
  const std::string hello = testing::CaptureClientHello();
  ASSERT_GE(hello.size(), 50u);
  EXPECT_EQ(hello[0], '\x16');  // handshake record
  EXPECT_EQ(hello[1], '\x03');
  EXPECT_EQ(hello[5], '\x01');  // ClientHello
}

// ---------------------------------------------------------------------------
// Malformed and unusual requests.

// One HTTP response cut out of a byte stream.
struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& lower_case_name) const {
    const auto it = headers.find(lower_case_name);
    return it == headers.end() ? "" : it->second;
  }
};

// Decodes a chunked body at `pos`; false while it is incomplete.
bool ReadChunked(const std::string& in, std::size_t& pos, std::string& body) {
  for (;;) {
    const auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    const std::size_t size = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (size == 0) {
      const auto end = in.find("\r\n", pos);  // no trailers are expected
      if (end == std::string::npos) return false;
      pos = end + 2;
      return true;
    }
    if (in.size() < pos + size + 2) return false;
    body.append(in, pos, size);
    pos += size + 2;
  }
}

// The complete responses at the front of `in`; `head[i]` marks answers to
// HEAD (headers only). A response without length runs to the end.
std::vector<Response> ParseResponses(const std::string& in, const std::vector<bool>& head = {}) {
  std::vector<Response> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const auto end = in.find("\r\n\r\n", pos);
    if (end == std::string::npos || in.compare(pos, 5, "HTTP/") != 0) break;
    Response r;
    r.status = std::atoi(in.c_str() + pos + 9);  // "HTTP/1.1 200"
    std::size_t line = in.find("\r\n", pos) + 2;
    while (line < end + 2) {
      const auto eol = in.find("\r\n", line);
      const auto colon = in.find(':', line);
      if (colon < eol) {
        std::string name = in.substr(line, colon - line);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        r.headers[name] = in.substr(colon + 1, eol - colon - 1);
        r.headers[name].erase(0, r.headers[name].find_first_not_of(' '));
      }
      line = eol + 2;
    }
    std::size_t next = end + 4;
    const bool no_body = (out.size() < head.size() && head[out.size()]) || r.status == 204 ||
                         r.status == 304 || r.status / 100 == 1;
    if (!no_body && r.headers.count("content-length")) {
      const std::size_t length = std::stoul(r.Header("content-length"));
      if (in.size() < next + length) break;
      r.body = in.substr(next, length);
      next += length;
    } else if (!no_body && r.Header("transfer-encoding").find("chunked") != std::string::npos) {
      if (!ReadChunked(in, next, r.body)) break;
    } else if (!no_body) {
      r.body = in.substr(next);
      next = in.size();
    }
    out.push_back(std::move(r));
    pos = next;
  }
  return out;
}

class ServerBatteryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_->CoreMetrics().RecordHealthStatus("battery", true);
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<MetricsServer>(options, registry_);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // Whatever a test sent, the server still serves a fresh scraper.
  void TearDown() override {
    if (!server_->Running()) return;
    const testing::HttpResponse after =
        testing::HttpGet("http://127.0.0.1:" + std::to_string(server_->Port()) + "/metrics");
    EXPECT_EQ(after.status, 200) << "fresh scrape after the test: " << after.error;
    EXPECT_THAT(after.body, HasSubstr("semstreams_health_status{service=\"battery\"} 1"));
  }

  int Port() const { return server_->Port(); }

  // A new connection that gives up on a send the server stops taking.
  std::unique_ptr<testing::RawClient> Connect() {
    auto client = std::make_unique<testing::RawClient>(Port());
    timeval limit{5, 0};
    setsockopt(client->fd(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    return client;
  }

  // Reads until `want` complete responses, the server closes, or 5 s pass.
  static std::vector<Response> ReadResponses(testing::RawClient& client, std::size_t want,
                                             const std::vector<bool>& head = {}) {
    const auto deadline = Clock::now() + seconds(5);
    std::string in;
    std::vector<Response> parsed;
    char buffer[65536];
    while (parsed.size() < want) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      pollfd p{client.fd(), POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) break;
      const ssize_t n = recv(client.fd(), buffer, sizeof buffer, 0);
      if (n <= 0) break;
      in.append(buffer, static_cast<std::size_t>(n));
      parsed = ParseResponses(in, head);
    }
    return parsed;
  }

  // Sends `request` on a new connection; what came back until the server
  // closed (or 5 s), and whether it closed.
  std::pair<std::string, bool> Exchange(const std::string& request) {
    std::unique_ptr<testing::RawClient> client = Connect();
    EXPECT_TRUE(client->connected());
    client->Send(request);
    const std::string answer = client->ReadUntilClosed(Clock::now() + seconds(5));
    return {answer, client->closed()};
  }

  static int StatusOf(const std::string& answer) {
    const std::vector<Response> r = ParseResponses(answer);
    return r.empty() ? 0 : r.front().status;
  }

  std::shared_ptr<MetricsRegistry> registry_ = NewMetricsRegistry();
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(ServerBatteryTest, FiveSequentialRequestsOnOneKeepAliveConnectionGetFiveAnswers) {
  std::unique_ptr<testing::RawClient> client = Connect();
  ASSERT_TRUE(client->connected());
  for (int i = 0; i < 5; ++i) {
    const std::string path = i % 2 == 0 ? "/metrics" : "/health";
    client->Send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const std::vector<Response> answers = ReadResponses(*client, 1);
    ASSERT_EQ(answers.size(), 1u) << "request " << i << " (" << path << ") got no answer";
    EXPECT_EQ(answers[0].status, 200) << path;
    EXPECT_NE(answers[0].Header("connection"), "close") << "request " << i;
  }
}

TEST_F(ServerBatteryTest, FiftyPipelinedGetsInOneWriteGetFiftyAnswersInOrder) {
  std::string requests;
  std::vector<int> expected;
  for (int i = 0; i < 50; ++i) {
    // Three kinds of answer, so an out-of-order one shows.
    const std::string path = i % 3 == 0 ? "/metrics" : i % 3 == 1 ? "/health" : "/missing";
    expected.push_back(i % 3 == 2 ? 404 : 200);
    requests += "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }
  std::unique_ptr<testing::RawClient> client = Connect();
  ASSERT_TRUE(client->connected());
  client->Send(requests);
  const std::vector<Response> answers = ReadResponses(*client, 50);
  ASSERT_EQ(answers.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(answers[i].status, expected[i]) << "answer " << i;
    if (i % 3 == 0) {
      EXPECT_THAT(answers[i].body, HasSubstr("semstreams_health_status")) << i;
    }
    if (i % 3 == 1) {
      EXPECT_THAT(answers[i].body, StartsWith("{")) << i;
    }
  }
}

TEST_F(ServerBatteryTest, AbsoluteFormTargetIsServed) {
  const std::string port = std::to_string(Port());
  const auto [answer, closed] =
      Exchange("GET http://localhost:" + port + "/metrics HTTP/1.1\r\nHost: localhost:" + port +
               "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 200) << answer.substr(0, 200);
  EXPECT_THAT(answer, HasSubstr("semstreams_health_status"));
}

TEST_F(ServerBatteryTest, OptionsStarGetsAStatus) {
  const auto [answer, closed] =
      Exchange("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const std::vector<Response> r = ParseResponses(answer);
  ASSERT_EQ(r.size(), 1u) << answer;
  EXPECT_THAT(r[0].status, AnyOf(200, 204)) << answer;
  if (r[0].status == 204) {
    EXPECT_NE(r[0].Header("allow"), "") << answer;
  }
}

TEST_F(ServerBatteryTest, Http09RequestIsRefusedAtOnce) {
  const auto start = Clock::now();
  const auto [answer, closed] = Exchange("GET /\r\n");
  EXPECT_TRUE(closed) << "the server kept an HTTP/0.9 request open";
  EXPECT_LT(Clock::now() - start, seconds(2)) << "refused only after a timeout";
  // A clean close without an answer is as good as a 400.
  if (!answer.empty()) {
    EXPECT_EQ(StatusOf(answer), 400) << answer;
  }
}

TEST_F(ServerBatteryTest, HundredKilobyteHeaderIs431) {
  const auto [answer, closed] = Exchange("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " +
                                         std::string(100 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 431) << answer.substr(0, 200);
  EXPECT_TRUE(closed);
}

TEST_F(ServerBatteryTest, TwentyKilobyteTargetIs414) {
  const auto [answer, closed] =
      Exchange("GET /" + std::string(20 * 1024, 'a') + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 414) << answer.substr(0, 200);
  EXPECT_TRUE(closed);
}

TEST_F(ServerBatteryTest, GarbageBytesGet400OrAClose) {
  std::string garbage;
  unsigned state = 19;
  for (int i = 0; i < 512; ++i) {
    state = state * 1103515245 + 12345;  // fixed bytes, the same every run
    garbage += static_cast<char>((state >> 16) & 0xff);
  }
  garbage[0] = '\x01';  // not a TLS record, not a method
  const auto [answer, closed] = Exchange(garbage + "\r\n\r\n");
  EXPECT_TRUE(closed);
  if (!answer.empty()) {
    EXPECT_EQ(StatusOf(answer), 400) << answer.substr(0, 200);
  }
}

TEST_F(ServerBatteryTest, PostIs405) {
  const auto [answer, closed] = Exchange(
      "POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: "
      "close\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 405) << answer;
}

TEST_F(ServerBatteryTest, HeadOfMetricsSendsHeadersWithoutBody) {
  std::unique_ptr<testing::RawClient> client = Connect();
  ASSERT_TRUE(client->connected());
  // A body after the HEAD answer would be read as the start of the second.
  client->Send(
      "HEAD /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const std::vector<Response> answers = ReadResponses(*client, 2, {true, false});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_THAT(answers[0].Header("content-type"), StartsWith("text/plain"));
  EXPECT_EQ(answers[1].status, 200);
  EXPECT_THAT(answers[1].body, StartsWith("{"));
}

}  // namespace
}  // namespace semstreams::metric
