// Pusher against a real Pushgateway (Debian's prometheus-pushgateway, started
// on a free loopback port per test suite), plus a one-connection HTTP stub
// for answers a gateway does not give on demand (5xx, headers to inspect).

#include "semstreams/metric/push.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/vec.h"
#include "support/http_client.h"

extern char** environ;

namespace semstreams::metric {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::HttpGet;

// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read
// back, released.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A listening socket on a loopback port, with an accept-and-answer helper.
class StubServer {
 public:
  StubServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;
  ~StubServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Answers one request with `response` (a full HTTP response) and keeps the
  // request's head for the test to read after the pusher returned.
  void AnswerOnce(std::string response) {
    thread_ = std::thread([this, response = std::move(response)] {
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      timeval tv{5, 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string request;
      char buf[4096];
      // Read the head and the announced body, so the client is not cut off mid-send.
      std::size_t need = std::string::npos;
      for (int reads = 0; reads < 1000; ++reads) {
        const auto head_end = request.find("\r\n\r\n");
        if (head_end != std::string::npos && need == std::string::npos) {
          std::size_t length = 0;
          const auto cl = request.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end)
            length = std::stoul(request.substr(cl + 16));
          need = head_end + 4 + length;
        }
        if (need != std::string::npos && request.size() >= need) break;
        const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      request_ = request;
      ::send(conn, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(conn);
    });
  }

  // Only after the pusher returned and the stub thread finished.
  std::string Request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

// A prometheus-pushgateway child process on a free loopback port.
class Gateway {
 public:
  // Starts the gateway; `extra` are further flags. Check Url() is non-empty.
  explicit Gateway(std::vector<std::string> extra = {}) {
    const char* bin = SEMSTREAMS_PUSHGATEWAY;
    // Ports can be taken between FreePort() and the gateway's bind: retry.
    for (int attempt = 0; attempt < 5 && url_.empty(); ++attempt) {
      const int port = FreePort();
      std::vector<std::string> args = {bin,
                                       "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                       "--persistence.file=", "--log.level=warn"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
      const int rc = posix_spawn(&pid_, bin, &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      if (rc != 0) {
        pid_ = -1;
        return;
      }
      const std::string candidate = "http://127.0.0.1:" + std::to_string(port);
      const auto deadline = Clock::now() + 30s;
      while (Clock::now() < deadline) {
        // 401: up, behind the basic auth of a --web.config.file.
        testing::HttpRequestOptions quick;
        quick.timeout = 1000ms;
        const long http_status = HttpGet(candidate + "/-/ready", quick).status;
        if (http_status == 200 || http_status == 401) {
          url_ = candidate;
          break;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;  // exited, most likely the port was taken
          break;
        }
        std::this_thread::sleep_for(50ms);
      }
      if (url_.empty()) Stop();
    }
  }
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;
  ~Gateway() { Stop(); }

  const std::string& Url() const { return url_; }

  // The gateway's own exposition of everything pushed.
  std::string Metrics() const { return HttpGet(url_ + "/metrics").body; }

  // The groups as /api/v1/metrics lists them.
  nlohmann::json Groups() const {
    const auto response = HttpGet(url_ + "/api/v1/metrics");
    return nlohmann::json::parse(response.body)["data"];
  }

  // The group whose labels are exactly `labels`, or null.
  nlohmann::json Group(const nlohmann::json& labels) const {
    for (const auto& group : Groups()) {
      if (group["labels"] == labels) return group;
    }
    return nullptr;
  }

  // The gateway answers a DELETE with 202 and removes the group later, from its write
  // queue: wait (bounded) until the group is no longer listed.
  bool GroupRemoved(const nlohmann::json& labels) const {
    const auto deadline = Clock::now() + 10s;
    while (!Group(labels).is_null()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

 private:
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 10s;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    pid_ = -1;
  }

  pid_t pid_ = -1;
  std::string url_;
};

// True when `exposition` has a sample line for `name` carrying every label in
// `labels` (rendered `key="value"`) with value `value`.
bool HasSample(const std::string& exposition, const std::string& name,
               const std::vector<std::string>& labels, const std::string& value) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& label : labels) all = all && line.find(label) != std::string::npos;
    if (all && line.size() > value.size() &&
        line.compare(line.size() - value.size() - 1, std::string::npos, " " + value) == 0) {
      return true;
    }
  }
  return false;
}

// A registry holding one counter `name` at `value`.
std::shared_ptr<MetricsRegistry> RegistryWith(const std::string& name, double value) {
  auto registry = std::make_shared<MetricsRegistry>();
  const Counter counter = NewCounter({.name = name, .help = "pushed by push_test"});
  counter.Add(value);
  EXPECT_TRUE(registry->RegisterCounter("push_test", name, counter).ok());
  return registry;
}

class PushTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gateway_ = std::make_unique<Gateway>(); }
  static void TearDownTestSuite() { gateway_.reset(); }
  void SetUp() override {
    ASSERT_FALSE(gateway_->Url().empty())
        << "could not start " << SEMSTREAMS_PUSHGATEWAY << " on a loopback port";
  }

  static std::unique_ptr<Gateway> gateway_;
};
std::unique_ptr<Gateway> PushTest::gateway_;

TEST_F(PushTest, PushSendsEverythingTheRegistryGathers) {
  auto registry = RegistryWith("push_test_jobs_total", 3);
  CounterVec vec = NewCounterVec({.name = "push_test_rows_total", .help = "rows"}, {"table"});
  vec.WithLabelValues("users").Add(7);
  ASSERT_TRUE(registry->RegisterCounterVec("push_test", "rows_total", vec).ok());

  ASSERT_TRUE(Pusher(gateway_->Url(), "push_all").Gatherer(registry).Push().ok());

  const std::string metrics = gateway_->Metrics();
  EXPECT_TRUE(HasSample(metrics, "push_test_jobs_total", {"job=\"push_all\""}, "3")) << metrics;
  EXPECT_TRUE(
      HasSample(metrics, "push_test_rows_total", {"job=\"push_all\"", "table=\"users\""}, "7"))
      << metrics;
  EXPECT_NE(metrics.find("# TYPE push_test_jobs_total counter"), std::string::npos);
  const auto group = gateway_->Group({{"job", "push_all"}});
  ASSERT_FALSE(group.is_null()) << gateway_->Groups().dump();
  EXPECT_EQ(group["last_push_successful"], true);
  EXPECT_EQ(group["push_test_jobs_total"]["type"], "COUNTER");
  EXPECT_EQ(group["push_test_jobs_total"]["help"], "pushed by push_test");
  EXPECT_EQ(group["push_test_jobs_total"]["metrics"][0]["value"], "3");
  EXPECT_EQ(group["push_test_rows_total"]["metrics"][0]["labels"]["table"], "users");
}

TEST_F(PushTest, PushReplacesTheGroupAndAddKeepsOtherFamilies) {
  auto first = RegistryWith("push_test_first_total", 1);
  auto second = RegistryWith("push_test_second_total", 2);
  const nlohmann::json labels = {{"job", "push_replace"}};

  ASSERT_TRUE(Pusher(gateway_->Url(), "push_replace").Gatherer(first).Push().ok());
  ASSERT_TRUE(Pusher(gateway_->Url(), "push_replace").Gatherer(second).Add().ok());
  auto group = gateway_->Group(labels);
  ASSERT_FALSE(group.is_null());
  EXPECT_TRUE(group.contains("push_test_first_total")) << group.dump();
  EXPECT_TRUE(group.contains("push_test_second_total")) << group.dump();

  // Add replaces a family it sends, and only that one.
  auto second_again = RegistryWith("push_test_second_total", 20);
  ASSERT_TRUE(Pusher(gateway_->Url(), "push_replace").Gatherer(second_again).Add().ok());
  const std::string metrics = gateway_->Metrics();
  EXPECT_TRUE(HasSample(metrics, "push_test_second_total", {"job=\"push_replace\""}, "20"))
      << metrics;
  EXPECT_TRUE(HasSample(metrics, "push_test_first_total", {"job=\"push_replace\""}, "1"))
      << metrics;

  // Push replaces the whole group.
  ASSERT_TRUE(Pusher(gateway_->Url(), "push_replace").Gatherer(second).Push().ok());
  group = gateway_->Group(labels);
  ASSERT_FALSE(group.is_null());
  EXPECT_FALSE(group.contains("push_test_first_total")) << group.dump();
  EXPECT_EQ(group["push_test_second_total"]["metrics"][0]["value"], "2");
}

TEST_F(PushTest, DeleteRemovesOnlyItsGroup) {
  auto registry = RegistryWith("push_test_deleted_total", 5);
  const Pusher a = Pusher(gateway_->Url(), "push_delete").Grouping("shard", "a").Gatherer(registry);
  const Pusher b = Pusher(gateway_->Url(), "push_delete").Grouping("shard", "b").Gatherer(registry);
  ASSERT_TRUE(a.Push().ok());
  ASSERT_TRUE(b.Push().ok());
  ASSERT_FALSE(gateway_->Group({{"job", "push_delete"}, {"shard", "a"}}).is_null());

  const Status deleted = a.Delete();
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();

  EXPECT_TRUE(gateway_->GroupRemoved({{"job", "push_delete"}, {"shard", "a"}}));
  EXPECT_FALSE(gateway_->Group({{"job", "push_delete"}, {"shard", "b"}}).is_null());
  const std::string metrics = gateway_->Metrics();
  EXPECT_FALSE(HasSample(metrics, "push_test_deleted_total", {"shard=\"a\""}, "5")) << metrics;
  EXPECT_TRUE(HasSample(metrics, "push_test_deleted_total", {"shard=\"b\""}, "5")) << metrics;
}

TEST_F(PushTest, GroupingValuesArriveAsGiven) {
  // "/" and "" need the @base64 form; a space, "+", "%", "@" and UTF-8 need escaping.
  const std::string slash = "eu/west-1", empty, spaced = "a b+c%d@e", utf8 = "Zürich";
  auto registry = RegistryWith("push_test_grouped_total", 4);
  const Pusher pusher = Pusher(gateway_->Url(), "job/with slash")
                            .Grouping("region", slash)
                            .Grouping("path", "a/b/c/d/ef")  // 10 bytes: one left over
                            .Grouping("blank", empty)
                            .Grouping("odd", spaced)
                            .Grouping("city", utf8)
                            .Gatherer(registry);
  EXPECT_NE(pusher.GroupUrl().find("/metrics/job@base64/am9iL3dpdGggc2xhc2g/region@base64/"),
            std::string::npos)
      << pusher.GroupUrl();
  EXPECT_NE(pusher.GroupUrl().find("/blank@base64/="), std::string::npos) << pusher.GroupUrl();
  const Status s = pusher.Push();
  ASSERT_TRUE(s.ok()) << s.ToString();

  const nlohmann::json labels = {
      {"job", "job/with slash"}, {"region", slash}, {"blank", empty},
      {"odd", spaced},           {"city", utf8},    {"path", "a/b/c/d/ef"}};
  const auto group = gateway_->Group(labels);
  ASSERT_FALSE(group.is_null()) << gateway_->Groups().dump();
  EXPECT_EQ(group["push_test_grouped_total"]["metrics"][0]["value"], "4");
  EXPECT_TRUE(HasSample(gateway_->Metrics(), "push_test_grouped_total",
                        {"region=\"eu/west-1\"", "odd=\"a b+c%d@e\"", "city=\"Zürich\""}, "4"));

  ASSERT_TRUE(pusher.Delete().ok());
  EXPECT_TRUE(gateway_->GroupRemoved(labels));
}

TEST_F(PushTest, AcceptsPrometheusCppRegistriesAndMergesFamilies) {
  auto raw = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("push_test_raw_gauge").Help("raw").Register(*raw).Add({}).Set(2.5);
  auto& family = prometheus::BuildCounter().Name("push_test_merged_total").Help("m").Register(*raw);
  family.Add({{"from", "raw"}}).Increment(1);
  auto other = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("push_test_merged_total")
      .Help("m")
      .Register(*other)
      .Add({{"from", "other"}})
      .Increment(2);

  const Status s = Pusher(gateway_->Url(), "push_raw").Gatherer(raw).Gatherer(other).Push();
  ASSERT_TRUE(s.ok()) << s.ToString();

  const std::string metrics = gateway_->Metrics();
  EXPECT_TRUE(HasSample(metrics, "push_test_raw_gauge", {"job=\"push_raw\""}, "2.5")) << metrics;
  EXPECT_TRUE(HasSample(metrics, "push_test_merged_total", {"from=\"raw\""}, "1")) << metrics;
  EXPECT_TRUE(HasSample(metrics, "push_test_merged_total", {"from=\"other\""}, "2")) << metrics;
}

TEST_F(PushTest, OnePusherPushesFromSeveralThreadsWhileRecording) {
  auto registry = std::make_shared<MetricsRegistry>();
  const Counter counter =
      NewCounter({.name = "push_test_threads_total", .help = "pushed by push_test"});
  ASSERT_TRUE(registry->RegisterCounter("push_test", "threads", counter).ok());
  const Pusher pusher = Pusher(gateway_->Url(), "push_threads").Gatherer(registry);
  constexpr int kThreads = 3, kPushes = 10, kIncrements = 100000;
  std::vector<std::vector<Status>> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPushes; ++i) {
        if (Status s = (i % 2 == 0 ? pusher.Push() : pusher.Add()); !s.ok()) {
          failures[t].push_back(s);
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kIncrements; ++i) counter.Inc();
  });
  for (auto& thread : threads) thread.join();
  for (const auto& f : failures) EXPECT_TRUE(f.empty()) << f.front().ToString();

  ASSERT_TRUE(pusher.Push().ok());
  const auto group = gateway_->Group({{"job", "push_threads"}});
  ASSERT_FALSE(group.is_null());
  EXPECT_EQ(group["push_test_threads_total"]["metrics"][0]["value"], std::to_string(kIncrements));
}

TEST_F(PushTest, InvalidConfigurationIsReportedAndNothingIsSent) {
  auto registry = RegistryWith("push_test_invalid_total", 1);
  struct Case {
    const char* what;
    Pusher pusher;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty job", Pusher(gateway_->Url(), "").Gatherer(registry), "job name is empty"},
      {"bad name", Pusher(gateway_->Url(), "push_invalid").Grouping("1x", "v").Gatherer(registry),
       "grouping label has invalid name: \"1x\""},
      {"job as grouping",
       Pusher(gateway_->Url(), "push_invalid").Grouping("job", "v").Gatherer(registry),
       "grouping label \"job\""},
      {"null gatherer", Pusher(gateway_->Url(), "push_invalid").Gatherer(nullptr),
       "gatherer is null"},
      {"zero timeout", Pusher(gateway_->Url(), "push_invalid").Timeout(0ms).Gatherer(registry),
       "timeout must be positive"},
      {"label clash", Pusher(gateway_->Url(), "push_invalid").Grouping("table", "x").Gatherer([] {
         auto r = std::make_shared<MetricsRegistry>();
         CounterVec v = NewCounterVec({.name = "push_test_clash_total", .help = "c"}, {"table"});
         v.WithLabelValues("t").Inc();
         EXPECT_TRUE(r->RegisterCounterVec("push_test", "clash", v).ok());
         return r;
       }()),
       "already contains the grouping label table"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    for (const Status& s : {c.pusher.Push(), c.pusher.Add()}) {
      EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
      EXPECT_NE(s.message().find(c.message), std::string::npos) << s.ToString();
    }
  }
  EXPECT_EQ(Pusher(gateway_->Url(), "").Delete().code(), ErrorCode::kInvalidArgument);
  for (const auto& group : gateway_->Groups()) {
    EXPECT_NE(group["labels"]["job"], "push_invalid") << group.dump();
    EXPECT_NE(group["labels"]["job"], "") << group.dump();
  }
}

TEST_F(PushTest, GatewayRejectionGivesPushFailedWithStatusAndBody) {
  // The same name as a counter in one group and a gauge in another is
  // inconsistent: the gateway answers 400 and says why.
  ASSERT_TRUE(Pusher(gateway_->Url(), "push_conflict_a")
                  .Gatherer(RegistryWith("push_test_conflict", 1))
                  .Push()
                  .ok());
  auto raw = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("push_test_conflict").Help("g").Register(*raw).Add({}).Set(1);
  const Status s = Pusher(gateway_->Url(), "push_conflict_b").Gatherer(raw).Push();
  EXPECT_EQ(s.code(), ErrorCode::kPushFailed);
  EXPECT_NE(s.message().find("unexpected status code 400 while pushing to " + gateway_->Url() +
                             "/metrics/job/push_conflict_b"),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("pushed metrics are invalid or inconsistent"), std::string::npos)
      << s.ToString();
}

TEST_F(PushTest, BasicAuthIsCheckedByAGatewayWithWebConfig) {
  // bcrypt("s3cret") with cost 4 and a fixed salt, as exporter-toolkit reads it.
  const std::string config = ::testing::TempDir() + "push_test_web.yml";
  std::ofstream(config) << "basic_auth_users:\n  pusher: "
                           "$2b$04$abcdefghijklmnopqrstuuLZYjhNQAOdpbzt4WxWlUHjv1wsyH5DG\n";
  const Gateway secured({"--web.config.file=" + config});
  ASSERT_FALSE(secured.Url().empty());
  auto registry = RegistryWith("push_test_auth_total", 9);

  const Status denied = Pusher(secured.Url(), "push_auth").Gatherer(registry).Push();
  EXPECT_EQ(denied.code(), ErrorCode::kPushFailed);
  EXPECT_NE(denied.message().find("unexpected status code 401"), std::string::npos)
      << denied.ToString();
  const Status wrong =
      Pusher(secured.Url(), "push_auth").BasicAuth("pusher", "wrong").Gatherer(registry).Push();
  EXPECT_NE(wrong.message().find("status code 401"), std::string::npos) << wrong.ToString();

  const Pusher good =
      Pusher(secured.Url(), "push_auth").BasicAuth("pusher", "s3cret").Gatherer(registry);
  ASSERT_TRUE(good.Push().ok()) << good.Push().ToString();
  testing::HttpRequestOptions with_auth;
  with_auth.headers = {"Authorization: Basic cHVzaGVyOnMzY3JldA=="};  // pusher:s3cret
  const auto metrics = HttpGet(secured.Url() + "/metrics", with_auth);
  EXPECT_TRUE(HasSample(metrics.body, "push_test_auth_total", {"job=\"push_auth\""}, "9"))
      << metrics.body;
  EXPECT_TRUE(good.Delete().ok());
}

TEST(PushFailureTest, UnreachableGatewayFailsFast) {
  const int port = FreePort();  // nothing listens there now
  const auto start = Clock::now();
  const Status s = Pusher("127.0.0.1:" + std::to_string(port), "push_unreachable")
                       .Timeout(2000ms)
                       .Gatherer(RegistryWith("push_test_unreachable_total", 1))
                       .Push();
  const auto took = Clock::now() - start;
  EXPECT_EQ(s.code(), ErrorCode::kPushFailed);
  EXPECT_NE(s.message().find("pushing to http://127.0.0.1:" + std::to_string(port) +
                             "/metrics/job/push_unreachable failed: Couldn't connect to server"),
            std::string::npos)
      << s.ToString();
  EXPECT_LT(took, 2000ms);
}

TEST(PushFailureTest, SilentGatewayTimesOut) {
  StubServer silent;  // listens, never answers
  const auto start = Clock::now();
  const Status s = Pusher(silent.Url(), "push_silent").Timeout(300ms).Delete();
  const auto took = Clock::now() - start;
  EXPECT_EQ(s.code(), ErrorCode::kPushFailed);
  EXPECT_NE(s.message().find("deleting " + silent.Url() +
                             "/metrics/job/push_silent failed: "
                             "Timeout was reached"),
            std::string::npos)
      << s.ToString();
  EXPECT_GE(took, 250ms);   // libcurl may fire a little before the full 300 ms
  EXPECT_LT(took, 3000ms);  // the bound plus scheduling noise on a busy machine
}

TEST(PushFailureTest, ServerErrorGivesStatusAndBody) {
  StubServer stub;
  stub.AnswerOnce(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
      "gateway is busy\n");
  const Status s = Pusher(stub.Url(), "push_5xx")
                       .BasicAuth("user", "pa:ss")
                       .Grouping("instance", "i-1")
                       .Gatherer(RegistryWith("push_test_5xx_total", 1))
                       .Add();
  EXPECT_EQ(s.code(), ErrorCode::kPushFailed);
  EXPECT_EQ(s.message(), "unexpected status code 503 while pushing to " + stub.Url() +
                             "/metrics/job/push_5xx/instance/i-1: gateway is busy");
  const std::string request = stub.Request();
  EXPECT_EQ(request.rfind("POST /metrics/job/push_5xx/instance/i-1 HTTP/1.1\r\n", 0), 0) << request;
  EXPECT_NE(request.find("Authorization: Basic dXNlcjpwYTpzcw==\r\n"), std::string::npos)
      << request;
  EXPECT_NE(request.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << request;
  EXPECT_NE(request.find("\n# HELP push_test_5xx_total pushed by push_test\n"
                         "# TYPE push_test_5xx_total counter\n"
                         "push_test_5xx_total 1\n"),
            std::string::npos)
      << request;
}

TEST(PushFailureTest, DeleteWantsAccepted) {
  StubServer stub;
  stub.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  const Status s = Pusher(stub.Url() + "/", "push_delete_200").Delete();
  EXPECT_EQ(s.code(), ErrorCode::kPushFailed) << s.ToString();
  EXPECT_EQ(s.message(), "unexpected status code 200 while deleting " + stub.Url() +
                             "/metrics/job/push_delete_200");
  EXPECT_EQ(stub.Request().rfind("DELETE /metrics/job/push_delete_200 HTTP/1.1\r\n", 0), 0);
}

}  // namespace
}  // namespace semstreams::metric
