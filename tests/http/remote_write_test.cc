// RemoteWriter over HTTP against a scripted loopback receiver: what every
// request carries, when a write is retried and how long it waits, when it
// gives up, what the writer counts in its registry, and how its thread starts
// and stops. The receiver stamps each request when it was read and when it
// was answered, so waits are measured from the receiver's side and are never
// shorter than what the writer really waited.

#include "semstreams/metric/remote_write.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <snappy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/registry.h"
#include "support/gather_util.h"
#include "support/raw_client.h"
#include "support/run_together.h"
#include "support/stub_receiver.h"

namespace semstreams::metric {

// Failures name the code rather than dump its bytes.
[[maybe_unused]] static void PrintTo(ErrorCode code, std::ostream* out) {
  *out << ErrorCodeName(code);
}

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::RawClient;
using testing::RunTogether;
using testing::ScalarValue;
using testing::StubReceiver;
using testing::StubRequest;
using testing::StubResponse;

// Slack on every "within" bound: a loaded 2-core CI machine running the
// suite under TSan or ASan.
constexpr auto kMargin = 2s;
// How long a test waits for something that must happen.
constexpr auto kPatience = 20s;

constexpr std::string_view kSent = "semstreams_metric_remote_write_samples_sent_total";
constexpr std::string_view kFailed = "semstreams_metric_remote_write_samples_failed_total";
constexpr std::string_view kRetries = "semstreams_metric_remote_write_retries_total";

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// How long the client waited between an answer and its next request: from
// just before the receiver wrote answer `i` to when request `i + 1` had been
// read, so never less than the client's own wait.
milliseconds WaitAfter(const std::vector<StubRequest>& requests, std::size_t i) {
  if (i + 1 >= requests.size() || !requests[i].answered) return milliseconds(-1);
  return std::chrono::duration_cast<milliseconds>(requests[i + 1].arrived - *requests[i].answered);
}

// Threads of this process: the test's, the receiver's and whatever the
// writer started.
std::size_t ThreadCount() {
  std::error_code error;
  std::size_t count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++count;
  }
  return count;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
            kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// What a receiver that stored the write answers: Remote-Write 2.0 has it
// confirm how much it wrote, and 1.0 receivers ignore the headers.
StubResponse Accepted() {
  return {.status = 204,
          .headers = {{"X-Prometheus-Remote-Write-Samples-Written", "1"},
                      {"X-Prometheus-Remote-Write-Histograms-Written", "0"},
                      {"X-Prometheus-Remote-Write-Exemplars-Written", "0"}}};
}

// A loopback port bound but never listened on, for as long as this lives:
// connecting is refused, and no other test can take the port meanwhile.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

class RemoteWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(receiver_.ok());
    receiver_.SetDefault(Accepted());
    events_.Add(3);
    const Status registered = registry_->RegisterCounter("remote_write_test", "events", events_);
    ASSERT_TRUE(registered.ok()) << registered.ToString();
  }

  // Quick back-off, so retries do not slow the suite; tests that measure it
  // set their own.
  RemoteWriteOptions Options() const {
    RemoteWriteOptions options;
    options.url = receiver_.Url();
    options.timeout = 10s;
    options.min_backoff = 10ms;
    options.max_backoff = 100ms;
    return options;
  }

  // One of the writer's own counters for `remote`; 0 when it has no series.
  double Own(std::string_view family, const std::string& remote) const {
    const auto families = registry_->Gather();
    return ScalarValue(families, std::string(family), {{"remote", remote}}).value_or(0);
  }

  std::shared_ptr<MetricsRegistry> registry_ = NewMetricsRegistry();
  Counter events_ =
      NewCounter({.name = "remote_write_test_events_total", .help = "what the writer sends"});
  StubReceiver receiver_;
};

// ---------------------------------------------------------------------------
// The receiver itself: what the writer's tests rely on it to do.

// Reads one response (head and Content-Length body) from `fd`; "" when none
// came before `deadline`.
std::string ReadResponse(int fd, Clock::time_point deadline) {
  std::string in;
  char buffer[4096];
  for (int reads = 0; reads < 1000; ++reads) {
    const std::size_t head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      const std::size_t at = in.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) length = std::stoul(in.substr(at + 16));
      if (in.size() >= head_end + 4 + length) return in;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return "";
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return "";
    in.append(buffer, static_cast<std::size_t>(n));
  }
  return "";
}

TEST(RemoteWriteStubReceiverTest, AnswersTheScriptThenTheDefaultOnOneKeptAliveConnection) {
  StubReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  receiver.Script({{.status = 503, .headers = {{"Retry-After", "7"}}, .body = "busy"}});
  RawClient client(receiver.port());
  ASSERT_TRUE(client.connected());

  client.Send(
      "POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\ncontent-type: b\r\n"
      "X-Thing:  1 \r\nContent-Length: 5\r\n\r\nhello");
  const std::string first = ReadResponse(client.fd(), Clock::now() + kPatience);
  EXPECT_EQ(first.rfind("HTTP/1.1 503 ", 0), 0u) << first;
  EXPECT_NE(first.find("\r\nRetry-After: 7\r\n"), std::string::npos) << first;
  ASSERT_GE(first.size(), 4u);
  EXPECT_EQ(first.substr(first.size() - 4), "busy");

  client.Send(
      "POST /second HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n");
  const std::string second = ReadResponse(client.fd(), Clock::now() + kPatience);
  EXPECT_EQ(second.rfind("HTTP/1.1 204 ", 0), 0u) << second;

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/write");
  EXPECT_EQ(requests[0].Header("x-thing"), "1");
  EXPECT_EQ(requests[0].Header("CONTENT-TYPE"), "a, b");
  EXPECT_FALSE(requests[0].HasHeader("Authorization"));
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[0].status, 503);
  EXPECT_EQ(requests[1].target, "/second");
  EXPECT_EQ(requests[1].body, "abcde");
  EXPECT_EQ(requests[1].status, 204);
  EXPECT_EQ(requests[0].connection, 1);
  EXPECT_EQ(requests[1].connection, 1);
  EXPECT_EQ(receiver.Connections(), 1u);
  for (const auto& request : requests) {
    ASSERT_TRUE(request.answered.has_value());
    EXPECT_LE(request.arrived, *request.answered);
  }
}

TEST(RemoteWriteStubReceiverTest, AnswersExpectContinueBeforeTheBody) {
  StubReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  RawClient client(receiver.port());
  ASSERT_TRUE(client.connected());
  client.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  const std::string interim = ReadResponse(client.fd(), Clock::now() + kPatience);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  client.Send("abc");
  const std::string final_answer = ReadResponse(client.fd(), Clock::now() + kPatience);
  EXPECT_EQ(final_answer.rfind("HTTP/1.1 204 ", 0), 0u) << final_answer;
  ASSERT_EQ(receiver.RequestCount(), 1u);
  EXPECT_EQ(receiver.Requests()[0].body, "abc");
}

TEST(RemoteWriteStubReceiverTest, DelaysAndWithholdsAnswers) {
  StubReceiver receiver;
  ASSERT_TRUE(receiver.ok());
  EXPECT_FALSE(receiver.WaitForRequests(1, 50ms));
  receiver.Script({{.status = 200, .delay = 300ms}});
  RawClient client(receiver.port());
  ASSERT_TRUE(client.connected());
  const std::string request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  client.Send(request);
  EXPECT_EQ(ReadResponse(client.fd(), Clock::now() + kPatience).rfind("HTTP/1.1 200 ", 0), 0u);

  receiver.SetNeverAnswer(true);
  client.Send(request);
  ASSERT_TRUE(receiver.WaitForRequests(2, kPatience));
  EXPECT_FALSE(receiver.WaitForAnswers(2, 300ms));
  EXPECT_EQ(ReadResponse(client.fd(), Clock::now() + 300ms), "");

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[0].answered.has_value());
  EXPECT_GE(
      std::chrono::duration_cast<milliseconds>(*requests[0].answered - requests[0].arrived).count(),
      300);
  EXPECT_FALSE(requests[1].answered.has_value());
  EXPECT_EQ(receiver.MaxPending(), 1u);
}

TEST(RemoteWriteStubReceiverTest, DestructorClosesOpenConnectionsAndJoins) {
  // TSan starts a thread of its own at a process's first thread start: that
  // one must already exist when the count is taken.
  std::thread([] {}).join();
  const std::size_t threads = ThreadCount();
  auto receiver = std::make_unique<StubReceiver>();
  ASSERT_TRUE(receiver->ok());
  EXPECT_EQ(ThreadCount(), threads + 1);
  receiver->SetNeverAnswer(true);
  RawClient client(receiver->port());
  ASSERT_TRUE(client.connected());
  client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(receiver->WaitForRequests(1, kPatience));
  receiver.reset();
  EXPECT_EQ(client.ReadUntilClosed(Clock::now() + kPatience), "");
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(ThreadCount(), threads);
}

// ---------------------------------------------------------------------------
// What every request carries, in either protocol.

class RemoteWriteProtocolTest : public RemoteWriteTest,
                                public ::testing::WithParamInterface<int> {};

INSTANTIATE_TEST_SUITE_P(Protocols, RemoteWriteProtocolTest, ::testing::Values(1, 2),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

TEST_P(RemoteWriteProtocolTest, SendsTheProtocolsHeadersAndASnappyBody) {
  RemoteWriteOptions options = Options();
  options.protocol_version = GetParam();
  options.headers = {{"X-Scope-OrgID", "tenant-1"}};
  options.external_labels = {{"job", "edge-job"}};
  RemoteWriter writer(registry_, options);
  ASSERT_TRUE(writer.Error().ok()) << writer.Error().ToString();
  const Status written = writer.Write();
  ASSERT_TRUE(written.ok()) << written.ToString();

  const auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const StubRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/api/v1/write");
  EXPECT_EQ(request.Header("Content-Encoding"), "snappy");
  if (GetParam() == 1) {
    EXPECT_EQ(request.Header("Content-Type"), "application/x-protobuf");
    EXPECT_EQ(request.Header("X-Prometheus-Remote-Write-Version"), "0.1.0");
  } else {
    EXPECT_EQ(request.Header("Content-Type"),
              "application/x-protobuf;proto=io.prometheus.write.v2.Request");
    EXPECT_EQ(request.Header("X-Prometheus-Remote-Write-Version"), "2.0.0");
  }
  EXPECT_FALSE(request.Header("User-Agent").empty());
  EXPECT_EQ(request.Header("X-Scope-OrgID"), "tenant-1");
  EXPECT_FALSE(request.HasHeader("Authorization"));

  ASSERT_TRUE(snappy::IsValidCompressedBuffer(request.body.data(), request.body.size()));
  std::string plain;
  ASSERT_TRUE(snappy::Uncompress(request.body.data(), request.body.size(), &plain));
  // Protobuf keeps strings verbatim: the registered series and the external
  // label must be in there, not just some valid framing.
  EXPECT_NE(plain.find("remote_write_test_events_total"), std::string::npos);
  EXPECT_NE(plain.find("edge-job"), std::string::npos);
}

TEST_P(RemoteWriteProtocolTest, SendsBasicAuthWhenAUserIsSet) {
  RemoteWriteOptions options = Options();
  options.protocol_version = GetParam();
  options.basic_auth_user = "alice";
  options.basic_auth_password = "s3cret:x";
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  ASSERT_TRUE(written.ok()) << written.ToString();
  ASSERT_EQ(receiver_.RequestCount(), 1u);
  EXPECT_EQ(receiver_.Requests()[0].Header("Authorization"), "Basic " + Base64("alice:s3cret:x"));
}

// ---------------------------------------------------------------------------
// Retries, back-off and giving up.

TEST_F(RemoteWriteTest, RetriesA503WithDoublingBackoffUntilAccepted) {
  // Back-off long enough that only a scheduling stall of over 200 ms could
  // reorder the two waits.
  RemoteWriteOptions options = Options();
  options.min_backoff = 200ms;
  options.max_backoff = 5s;
  receiver_.Script({{.status = 503}, {.status = 503}, Accepted()});
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  ASSERT_TRUE(written.ok()) << written.ToString();

  const auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  const milliseconds first = WaitAfter(requests, 0), second = WaitAfter(requests, 1);
  EXPECT_GE(first.count(), options.min_backoff.count());
  EXPECT_GE(second.count(), 2 * options.min_backoff.count());
  EXPECT_GE(second.count(), first.count());
  // A retry resends the same snapshot rather than taking a new one.
  EXPECT_EQ(requests[1].body, requests[0].body);
  EXPECT_EQ(requests[2].body, requests[0].body);

  EXPECT_EQ(Own(kRetries, options.url), 2);
  EXPECT_GT(Own(kSent, options.url), 0);
  EXPECT_EQ(Own(kFailed, options.url), 0);
}

TEST_F(RemoteWriteTest, BackoffStopsGrowingAtMaxBackoff) {
  // Doubling from 10 ms without a cap leaves room for at most 9 attempts in
  // 3 s; capped at 50 ms there are dozens.
  RemoteWriteOptions options = Options();
  options.min_backoff = 10ms;
  options.max_backoff = 50ms;
  options.timeout = 3s;
  receiver_.SetDefault({.status = 503});
  RemoteWriter writer(registry_, options);
  EXPECT_EQ(writer.Write().code(), ErrorCode::kPushFailed);
  EXPECT_GE(receiver_.RequestCount(), 15u);
}

class RemoteWriteRetryAfterTest : public RemoteWriteTest,
                                  public ::testing::WithParamInterface<int> {};

INSTANTIATE_TEST_SUITE_P(Statuses, RemoteWriteRetryAfterTest, ::testing::Values(429, 503),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(RemoteWriteRetryAfterTest, WaitsAsLongAsRetryAfterSays) {
  receiver_.Script({{.status = GetParam(), .headers = {{"Retry-After", "1"}}}});
  const RemoteWriteOptions options = Options();  // a 10 ms back-off
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  ASSERT_TRUE(written.ok()) << written.ToString();
  const auto requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(WaitAfter(requests, 0).count(), 990);
  EXPECT_EQ(Own(kRetries, options.url), 1);
}

TEST_F(RemoteWriteTest, RetryAfterZeroStillBacksOff) {
  // "Retry-After: 0" from an overloaded receiver is no licence to retry back
  // to back (Prometheus then keeps its back-off). With every wait at least
  // 50 ms, 1 s leaves room for at most 21 attempts.
  receiver_.SetDefault({.status = 503, .headers = {{"Retry-After", "0"}}});
  RemoteWriteOptions options = Options();
  options.min_backoff = options.max_backoff = 50ms;
  options.timeout = 1s;
  RemoteWriter writer(registry_, options);
  EXPECT_EQ(writer.Write().code(), ErrorCode::kPushFailed);
  EXPECT_LE(receiver_.RequestCount(), 21u);
}

class RemoteWriteClientErrorTest : public RemoteWriteTest,
                                   public ::testing::WithParamInterface<int> {};

INSTANTIATE_TEST_SUITE_P(Statuses, RemoteWriteClientErrorTest,
                         ::testing::Values(400, 401, 403, 404, 413, 415),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(RemoteWriteClientErrorTest, FailsAtOnceNamingTheStatusAndTheReceiversAnswer) {
  receiver_.Script({{.status = GetParam(), .body = "out of order sample\n"}});
  const RemoteWriteOptions options = Options();
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  EXPECT_EQ(written.code(), ErrorCode::kPushFailed);
  EXPECT_NE(written.message().find(std::to_string(GetParam())), std::string::npos)
      << written.message();
  EXPECT_NE(written.message().find("out of order sample"), std::string::npos) << written.message();
  // Write() has returned: nothing further can come from it.
  EXPECT_EQ(receiver_.RequestCount(), 1u);
  EXPECT_EQ(Own(kRetries, options.url), 0);
  EXPECT_GT(Own(kFailed, options.url), 0);
  EXPECT_EQ(Own(kSent, options.url), 0);
}

class RemoteWriteServerErrorTest : public RemoteWriteTest,
                                   public ::testing::WithParamInterface<int> {};

INSTANTIATE_TEST_SUITE_P(Statuses, RemoteWriteServerErrorTest,
                         ::testing::Values(500, 502, 503, 429),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(RemoteWriteServerErrorTest, GivesUpWithinTheTimeoutAfterSeveralAttempts) {
  RemoteWriteOptions options = Options();
  options.timeout = 2s;
  receiver_.SetDefault({.status = GetParam(), .body = "overloaded"});
  RemoteWriter writer(registry_, options);
  const auto start = Clock::now();
  const Status written = writer.Write();
  const milliseconds took = Since(start);
  EXPECT_EQ(written.code(), ErrorCode::kPushFailed);
  EXPECT_NE(written.message().find(std::to_string(GetParam())), std::string::npos)
      << written.message();
  EXPECT_LE(took.count(), (options.timeout + kMargin).count());
  const std::size_t attempts = receiver_.RequestCount();
  EXPECT_GE(attempts, 3u);
  EXPECT_EQ(Own(kRetries, options.url), static_cast<double>(attempts) - 1);
  EXPECT_GT(Own(kFailed, options.url), 0);
  EXPECT_EQ(Own(kSent, options.url), 0);
}

TEST_F(RemoteWriteTest, UnreachableReceiverFailsWithinTheTimeout) {
  const RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  RemoteWriteOptions options = Options();
  options.url = "http://127.0.0.1:" + std::to_string(refusing.port()) + "/api/v1/write";
  options.timeout = 1s;
  RemoteWriter writer(registry_, options);
  const auto start = Clock::now();
  const Status written = writer.Write();
  EXPECT_LE(Since(start).count(), (options.timeout + kMargin).count());
  EXPECT_EQ(written.code(), ErrorCode::kPushFailed);
  EXPECT_FALSE(written.message().empty());
  // A refused connection is a transport error, which is retried.
  EXPECT_GE(Own(kRetries, options.url), 1);
  EXPECT_GT(Own(kFailed, options.url), 0);
}

TEST_F(RemoteWriteTest, SilentReceiverFailsWithinTheTimeout) {
  receiver_.SetNeverAnswer(true);
  RemoteWriteOptions options = Options();
  options.timeout = 1s;
  RemoteWriter writer(registry_, options);
  const auto start = Clock::now();
  const Status written = writer.Write();
  EXPECT_LE(Since(start).count(), (options.timeout + kMargin).count());
  EXPECT_EQ(written.code(), ErrorCode::kPushFailed);
  EXPECT_GE(receiver_.RequestCount(), 1u);
  EXPECT_GT(Own(kFailed, options.url), 0);
}

TEST_F(RemoteWriteTest, Protocol2FailsWhenTheReceiverDoesNotConfirmTheWrite) {
  // A 1.0-only receiver answers a 2.0 body with a bare 204, having stored
  // nothing; retrying would get the same.
  receiver_.SetDefault({.status = 204});
  const RemoteWriteOptions options = Options();
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  EXPECT_EQ(written.code(), ErrorCode::kPushFailed);
  EXPECT_NE(written.message().find("X-Prometheus-Remote-Write-Samples-Written"), std::string::npos)
      << written.message();
  EXPECT_EQ(receiver_.RequestCount(), 1u);
  EXPECT_GT(Own(kFailed, options.url), 0);
  EXPECT_EQ(Own(kSent, options.url), 0);
}

TEST_F(RemoteWriteTest, Protocol1TakesABare2xx) {
  receiver_.SetDefault({.status = 200});
  RemoteWriteOptions options = Options();
  options.protocol_version = 1;
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_GT(Own(kSent, options.url), 0);
}

// ---------------------------------------------------------------------------
// The writer's own counters.

TEST_F(RemoteWriteTest, CountsUnderTheUrlWithoutItsCredentials) {
  RemoteWriteOptions options = Options();
  const std::string prefix = "http://";
  options.url = receiver_.Url();
  options.url.insert(prefix.size(), "alice:pa55word@");
  RemoteWriter writer(registry_, options);
  const Status written = writer.Write();
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_GT(Own(kSent, receiver_.Url()), 0);

  receiver_.Script({{.status = 400, .body = "rejected"}});
  const Status rejected = writer.Write();
  EXPECT_EQ(rejected.code(), ErrorCode::kPushFailed);
  EXPECT_GT(Own(kFailed, receiver_.Url()), 0);
  EXPECT_EQ(rejected.message().find("pa55word"), std::string::npos) << rejected.message();

  for (const auto& family : registry_->Gather()) {
    for (const auto& series : family.metric) {
      for (const auto& label : series.label) {
        EXPECT_EQ(label.value.find("pa55word"), std::string::npos)
            << family.name << "{" << label.name << "=\"" << label.value << "\"}";
      }
    }
  }
}

TEST_F(RemoteWriteTest, InvalidUrlIsReportedWithoutItsPassword) {
  RemoteWriteOptions options = Options();
  options.url = "ftp://alice:pa55word@127.0.0.1:" + std::to_string(receiver_.port()) + "/";
  const RemoteWriter writer(registry_, options);
  EXPECT_EQ(writer.Error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.Error().message().find("pa55word"), std::string::npos)
      << writer.Error().message();
}

TEST_F(RemoteWriteTest, CountsSamplesSentByEveryWrite) {
  const RemoteWriteOptions options = Options();
  RemoteWriter writer(registry_, options);
  ASSERT_TRUE(writer.Write().ok());
  const double once = Own(kSent, options.url);
  EXPECT_GT(once, 0);
  ASSERT_TRUE(writer.Write().ok());
  EXPECT_GT(Own(kSent, options.url), once);
}

// ---------------------------------------------------------------------------
// Invalid options: reported, and nothing is sent.

struct InvalidOptionsCase {
  const char* name;
  std::function<void(RemoteWriteOptions&, const StubReceiver&)> spoil;
};

// The case's name, rather than its bytes, in test names and failures.
void PrintTo(const InvalidOptionsCase& c, std::ostream* out) { *out << c.name; }

class RemoteWriteInvalidOptionsTest : public RemoteWriteTest,
                                      public ::testing::WithParamInterface<InvalidOptionsCase> {};

INSTANTIATE_TEST_SUITE_P(
    Cases, RemoteWriteInvalidOptionsTest,
    ::testing::Values(
        InvalidOptionsCase{"EmptyUrl", [](auto& o, const auto&) { o.url = ""; }},
        InvalidOptionsCase{"FtpScheme",
                           [](auto& o, const auto& r) {
                             o.url = "ftp://127.0.0.1:" + std::to_string(r.port()) + "/";
                           }},
        InvalidOptionsCase{"NoScheme",
                           [](auto& o, const auto& r) {
                             o.url = "127.0.0.1:" + std::to_string(r.port()) + "/api/v1/write";
                           }},
        InvalidOptionsCase{
            "PortOutOfRange",
            [](auto& o, const auto&) { o.url = "http://127.0.0.1:99999/api/v1/write"; }},
        // RFC 9110 4.2.1: an http URI with an empty host is to be rejected.
        InvalidOptionsCase{"EmptyHost",
                           [](auto& o, const auto&) { o.url = "http:///api/v1/write"; }},
        InvalidOptionsCase{"SpaceInHost",
                           [](auto& o, const auto&) { o.url = "http://bad host/api/v1/write"; }},
        InvalidOptionsCase{"Protocol0", [](auto& o, const auto&) { o.protocol_version = 0; }},
        InvalidOptionsCase{"Protocol3", [](auto& o, const auto&) { o.protocol_version = 3; }},
        InvalidOptionsCase{"ZeroTimeout", [](auto& o, const auto&) { o.timeout = 0ms; }},
        InvalidOptionsCase{"NegativeTimeout", [](auto& o, const auto&) { o.timeout = -1s; }},
        InvalidOptionsCase{"EmptyLabelName",
                           [](auto& o, const auto&) {
                             o.external_labels = {{"", "x"}};
                           }},
        InvalidOptionsCase{"NonUtf8LabelName",
                           [](auto& o, const auto&) {
                             o.external_labels = {{"a\xff", "x"}};
                           }},
        InvalidOptionsCase{"NameLabel",
                           [](auto& o, const auto&) {
                             o.external_labels = {{"__name__", "x"}};
                           }},
        InvalidOptionsCase{"OverridesContentType",
                           [](auto& o, const auto&) {
                             o.headers = {{"content-type", "text/plain"}};
                           }},
        InvalidOptionsCase{"OverridesVersion",
                           [](auto& o, const auto&) {
                             o.headers = {{"X-Prometheus-Remote-Write-Version", "0.1.0"}};
                           }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_P(RemoteWriteInvalidOptionsTest, AreReportedAndNothingIsSent) {
  RemoteWriteOptions options = Options();
  GetParam().spoil(options, receiver_);
  const std::size_t threads = ThreadCount();
  RemoteWriter writer(registry_, options);
  EXPECT_EQ(writer.Error().code(), ErrorCode::kInvalidArgument) << writer.Error().ToString();
  EXPECT_EQ(writer.Write().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.Start(100ms).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ThreadCount(), threads);
  writer.Stop();
  EXPECT_EQ(receiver_.Connections(), 0u);
}

TEST_F(RemoteWriteTest, NullRegistryIsReportedAndNothingIsSent) {
  RemoteWriter writer(nullptr, Options());
  EXPECT_EQ(writer.Error().code(), ErrorCode::kNilRegistry);
  EXPECT_EQ(writer.Write().code(), ErrorCode::kNilRegistry);
  EXPECT_EQ(writer.Start(100ms).code(), ErrorCode::kNilRegistry);
  writer.Stop();
  EXPECT_EQ(receiver_.Connections(), 0u);
}

// The counterpart of the invalid cases: the fixture's options, with the
// extras a user sets, are accepted.
TEST_F(RemoteWriteTest, ValidOptionsHaveNoError) {
  RemoteWriteOptions options = Options();
  options.external_labels = {{"job", "edge"}, {"instance", "host:1"}};
  options.headers = {{"X-Scope-OrgID", "tenant-1"}, {"Authorization", "Bearer t"}};
  options.protocol_version = 1;
  const RemoteWriter writer(registry_, options);
  EXPECT_TRUE(writer.Error().ok()) << writer.Error().ToString();
}

// ---------------------------------------------------------------------------
// The writer thread.

TEST_F(RemoteWriteTest, StartRejectsANonPositiveInterval) {
  const std::size_t threads = ThreadCount();
  RemoteWriter writer(registry_, Options());
  EXPECT_EQ(writer.Start(0ms).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.Start(-1ms).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ThreadCount(), threads);
  writer.Stop();
  EXPECT_EQ(receiver_.RequestCount(), 0u);
}

TEST_F(RemoteWriteTest, StartTwiceFails) {
  RemoteWriter writer(registry_, Options());
  ASSERT_TRUE(writer.Start(1h).ok());
  const Status again = writer.Start(1h);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyRunning) << again.ToString();
  writer.Stop();
}

TEST_F(RemoteWriteTest, StopWithoutStartDoesNothing) {
  RemoteWriter writer(registry_, Options());
  writer.Stop();
  writer.Stop();
  EXPECT_EQ(receiver_.Connections(), 0u);
}

TEST_F(RemoteWriteTest, WritesEveryIntervalOnOneThreadAndOnceMoreOnStop) {
  const std::size_t threads = ThreadCount();
  RemoteWriter writer(registry_, Options());
  ASSERT_TRUE(writer.Start(100ms).ok());
  ASSERT_TRUE(receiver_.WaitForRequests(1, kPatience));
  // Sampled while requests are being made, so a helper thread libcurl
  // started per request (a resolver) would show.
  std::size_t most = ThreadCount();
  EXPECT_EQ(most, threads + 1);
  const auto deadline = Clock::now() + kPatience;
  while (!receiver_.WaitForRequests(4, 2ms) && Clock::now() < deadline) {
    most = std::max(most, ThreadCount());
  }
  ASSERT_GE(receiver_.RequestCount(), 4u);
  EXPECT_EQ(most, threads + 1);

  const auto stop_called = Clock::now();
  writer.Stop();
  const auto stop_returned = Clock::now();
  EXPECT_EQ(ThreadCount(), threads);
  const auto requests = receiver_.Requests();
  EXPECT_TRUE(std::any_of(requests.begin(), requests.end(), [&](const StubRequest& r) {
    return r.arrived >= stop_called && r.arrived <= stop_returned;
  })) << "no last write during Stop()";

  // Five intervals of quiet: the thread is really gone.
  EXPECT_FALSE(receiver_.WaitForRequests(requests.size() + 1, 500ms));
  writer.Stop();
  EXPECT_EQ(receiver_.RequestCount(), requests.size());
}

TEST_F(RemoteWriteTest, DestructorStopsAStartedWriter) {
  const std::size_t threads = ThreadCount();
  Clock::time_point destroying;
  {
    RemoteWriter writer(registry_, Options());
    ASSERT_TRUE(writer.Start(100ms).ok());
    ASSERT_TRUE(receiver_.WaitForRequests(1, kPatience));
    EXPECT_EQ(ThreadCount(), threads + 1);
    destroying = Clock::now();
  }
  EXPECT_EQ(ThreadCount(), threads);
  const auto requests = receiver_.Requests();
  EXPECT_GE(requests.back().arrived, destroying) << "no last write on destruction";
  EXPECT_FALSE(receiver_.WaitForRequests(requests.size() + 1, 500ms));
}

TEST_F(RemoteWriteTest, StopCutsTheThreadsWaitForRetryShort) {
  // The receiver asks for a long pause once, then takes the last write.
  receiver_.Script({{.status = 503, .headers = {{"Retry-After", "20"}}}});
  RemoteWriteOptions options = Options();
  options.timeout = 30s;  // room for the Retry-After, so the writer does wait
  RemoteWriter writer(registry_, options);
  ASSERT_TRUE(writer.Start(50ms).ok());
  ASSERT_TRUE(receiver_.WaitForAnswers(1, kPatience));
  const auto start = Clock::now();
  writer.Stop();
  EXPECT_LE(Since(start).count(), 5000);
  EXPECT_EQ(receiver_.RequestCount(), 2u) << "the 503, then the last write";
}

TEST_F(RemoteWriteTest, StopIsNotHeldByRetryAfterOfAReceiverThatIsDown) {
  // Every answer asks for a long pause: neither the thread's write nor the
  // last write may wait it out.
  receiver_.SetDefault({.status = 503, .headers = {{"Retry-After", "20"}}});
  RemoteWriteOptions options = Options();
  options.timeout = 30s;
  RemoteWriter writer(registry_, options);
  ASSERT_TRUE(writer.Start(50ms).ok());
  ASSERT_TRUE(receiver_.WaitForAnswers(1, kPatience));
  const auto start = Clock::now();
  writer.Stop();
  EXPECT_LE(Since(start).count(), 5000) << receiver_.RequestCount() << " requests";
}

TEST_F(RemoteWriteTest, ConcurrentWritesAreSafeAndSerialised) {
  // Each answer takes a moment, so overlapping requests would show.
  StubResponse slow = Accepted();
  slow.delay = 10ms;
  receiver_.SetDefault(slow);
  const RemoteWriteOptions options = Options();
  RemoteWriter writer(registry_, options);
  ASSERT_TRUE(writer.Start(20ms).ok());
  constexpr std::size_t kWriters = 4, kWrites = 5;
  std::vector<Status> results(kWriters * kWrites);
  RunTogether(static_cast<int>(kWriters) + 1, [&](int thread) {
    const auto t = static_cast<std::size_t>(thread);
    for (std::size_t i = 0; i < kWrites; ++i) {
      if (t == kWriters) {
        events_.Inc();
        static_cast<void>(registry_->Gather());
      } else {
        results[t * kWrites + i] = writer.Write();
      }
    }
  });
  writer.Stop();
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_GE(receiver_.RequestCount(), kWriters * kWrites);
  EXPECT_EQ(receiver_.MaxPending(), 1u);
  EXPECT_GT(Own(kSent, options.url), 0);
}

}  // namespace
}  // namespace semstreams::metric
