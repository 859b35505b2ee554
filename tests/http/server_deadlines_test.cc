// Go's http.Server deadlines and the server's connection limits, one at a
// time, with raw sockets and short deadlines: each test shows a connection
// closed by the limit it is about, and by nothing else.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "semstreams/metric/vec.h"
#include "support/raw_client.h"

namespace semstreams::metric {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RawClient;
using Clock = std::chrono::steady_clock;

constexpr const char* kHealthRequest = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";

ServerOptions Loopback() {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  return options;
}

// Sends a request and waits for the start of its answer.
bool Exchange(RawClient& client, const std::string& request) {
  client.Send(request);
  std::string answer;
  const auto deadline = Clock::now() + seconds(5);
  while (answer.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline &&
         !client.closed()) {
    answer += client.ReadUntilClosed(Clock::now() + milliseconds(50));
  }
  return answer.rfind("HTTP/1.1 200 ", 0) == 0;
}

// How long until the server closes `client`, up to `limit`.
Clock::duration TimeToClose(RawClient& client, Clock::duration limit) {
  const auto start = Clock::now();
  client.ReadUntilClosed(start + limit);
  return client.closed() ? Clock::now() - start : Clock::duration::max();
}

TEST(ServerDeadlinesTest, HeadersTrickledPastReadHeaderTimeoutAreCut) {
  ServerOptions options = Loopback();
  options.read_header_timeout = milliseconds(300);
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  RawClient client(server.Port());
  ASSERT_TRUE(client.connected());
  const auto start = Clock::now();
  client.Send("GET /metrics HTTP/1.1\r\n");
  // A header byte every 50 ms: every byte comes well within any per-read
  // timeout, so only a deadline on the whole header can end this.
  while (!client.closed() && Clock::now() - start < seconds(5)) {
    client.Send("X");
    client.ReadUntilClosed(Clock::now() + milliseconds(50));
  }
  EXPECT_TRUE(client.closed());
  EXPECT_GE(Clock::now() - start, milliseconds(250));
  EXPECT_LT(Clock::now() - start, seconds(3));
}

TEST(ServerDeadlinesTest, KeptAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options = Loopback();
  options.idle_timeout = milliseconds(300);
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  RawClient client(server.Port());
  ASSERT_TRUE(Exchange(client, kHealthRequest));
  const auto waited = TimeToClose(client, seconds(5));
  EXPECT_GE(waited, milliseconds(200));
  EXPECT_LT(waited, seconds(3));
}

TEST(ServerDeadlinesTest, ReaderThatStopsReadingIsClosedAfterWriteTimeout) {
  auto registry = NewMetricsRegistry();
  CounterVec padding = NewCounterVec({.name = "padding_total", .help = "h"}, {"id"});
  for (int i = 0; i < 10000; ++i) padding.WithLabelValues(std::to_string(i)).Inc();
  ASSERT_TRUE(registry->RegisterCounterVec("t", "padding", padding).ok());
  ServerOptions options = Loopback();
  options.write_timeout = milliseconds(500);
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());
  // Pipelined scrapes that are never read: the kernel's buffers take the
  // first bodies, then a write waits on the client for good.
  RawClient client(server.Port(), /*receive_buffer=*/4096);
  std::string requests;
  for (int i = 0; i < 40; ++i) requests += "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
  client.Send(requests);
  pollfd p{client.fd(), POLLRDHUP, 0};
  // The close shows as a hang-up without reading what was sent.
  const auto start = Clock::now();
  while (Clock::now() - start < seconds(10) && poll(&p, 1, 50) == 0) {
  }
  EXPECT_TRUE(p.revents & (POLLRDHUP | POLLHUP | POLLERR)) << "never closed";
  EXPECT_LT(Clock::now() - start, seconds(8));
}

TEST(ServerDeadlinesTest, MaxConnectionsClosesTheLongestIdleConnectionForANewOne) {
  ServerOptions options = Loopback();
  options.max_connections = 3;
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  // Served one after another, so each was idle from a later moment.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(server.Port()));
    ASSERT_TRUE(Exchange(*clients.back(), kHealthRequest)) << i;
  }
  RawClient newcomer(server.Port());
  EXPECT_TRUE(Exchange(newcomer, kHealthRequest));
  EXPECT_LT(TimeToClose(*clients[0], seconds(5)), seconds(5)) << "the oldest stayed open";
  EXPECT_TRUE(Exchange(*clients[1], kHealthRequest));
  EXPECT_TRUE(Exchange(*clients[2], kHealthRequest));
}

TEST(ServerDeadlinesTest, SlowReadersBeyondTheWriteBudgetLoseTheirConnectionsFirst) {
  // Bodies of about 2 MB, twenty readers that never read: more than the
  // 32 MiB the server lets wait on clients, and a write timeout far away, so
  // only the budget can close connections within this test.
  auto registry = NewMetricsRegistry();
  CounterVec padding =
      NewCounterVec({.name = "padding_with_a_long_name_total", .help = "h"}, {"identifier"});
  for (int i = 0; i < 50000; ++i) padding.WithLabelValues(std::to_string(i)).Inc();
  ASSERT_TRUE(registry->RegisterCounterVec("t", "padding", padding).ok());
  ServerOptions options = Loopback();
  options.write_timeout = seconds(120);
  MetricsServer server(options, registry);
  ASSERT_TRUE(server.Start().ok());
  std::string requests;
  for (int i = 0; i < 8; ++i) requests += "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
  std::vector<std::unique_ptr<RawClient>> readers;
  for (int i = 0; i < 20; ++i) {
    readers.push_back(std::make_unique<RawClient>(server.Port(), /*receive_buffer=*/4096));
    readers.back()->Send(requests);
  }
  int closed = 0;
  const auto start = Clock::now();
  while (closed == 0 && Clock::now() - start < seconds(60)) {
    for (const auto& reader : readers) {
      pollfd p{reader->fd(), POLLRDHUP, 0};
      closed += poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    }
    if (closed == 0) poll(nullptr, 0, 100);  // pacing the check, not synchronising
  }
  EXPECT_GT(closed, 0) << "no reader lost its connection to the budget";
  // The server goes on serving others meanwhile.
  RawClient probe(server.Port());
  EXPECT_TRUE(Exchange(probe, kHealthRequest));
}

}  // namespace
}  // namespace semstreams::metric
