#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"
#include "support/process_stats.h"

namespace semstreams::metric {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Enough descriptors for thousands of loopback clients in this process.
void RaiseFdLimitToHard() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
}

// A loopback TCP connection whose connect() gives up after 2 s instead of
// the kernel's two minutes, so a refused backlog fails the test quickly.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Polls until the process is back to `baseline` threads and fds, or 15 s.
testing::ProcessStats WaitForBaseline(const testing::ProcessStats& baseline) {
  const auto deadline = steady_clock::now() + std::chrono::seconds(15);
  testing::ProcessStats now = testing::ReadProcessStats();
  while ((now.threads > baseline.threads || now.open_fds > baseline.open_fds) &&
         steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    now = testing::ReadProcessStats();
  }
  return now;
}

TEST(ServerLoadTest, IdleAndSlowBodyClientsDoNotDarkenScrapesWithDefaultOptions) {
  RaiseFdLimitToHard();
  constexpr int kIdle = 2000;
  constexpr int kSlowBody = 64;

  ServerOptions options;  // defaults, but loopback and any free port
  options.bind_address = "127.0.0.1";
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const int port = server.Port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  // One scrape first, so lazily created state does not count as cost.
  ASSERT_EQ(testing::HttpGet(base + "/metrics").status, 200);
  const testing::ProcessStats baseline = testing::ReadProcessStats();

  std::vector<int> idle;
  for (int i = 0; i < kIdle; ++i) {
    const int fd = Connect(port);
    if (fd < 0) break;
    idle.push_back(fd);
  }
  std::vector<int> slow;
  for (int i = 0; i < kSlowBody; ++i) {
    const int fd = Connect(port);
    if (fd < 0) break;
    SendAll(fd, "POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n");
    slow.push_back(fd);
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    for (int round = 0; round < 500 && trickling.load(); ++round) {
      for (int fd : slow) send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });

  std::vector<double> scrape_ms, health_ms;
  std::vector<long> statuses;
  testing::HttpRequestOptions within_a_second;
  within_a_second.timeout = milliseconds(1000);
  for (int i = 0; i < 13; ++i) {
    const bool health = i % 4 == 3;  // three /health among ten scrapes
    const auto start = steady_clock::now();
    const testing::HttpResponse response =
        testing::HttpGet(base + (health ? "/health" : "/metrics"), within_a_second);
    const double ms =
        std::chrono::duration<double, std::milli>(steady_clock::now() - start).count();
    EXPECT_EQ(response.status, 200)
        << (health ? "/health " : "/metrics ") << i << ": " << response.error;
    (health ? health_ms : scrape_ms).push_back(ms);
    statuses.push_back(response.status);
  }
  const testing::ProcessStats held = testing::ReadProcessStats();
  trickling = false;
  trickle.join();

  EXPECT_EQ(idle.size(), static_cast<std::size_t>(kIdle));
  EXPECT_EQ(slow.size(), static_cast<std::size_t>(kSlowBody));
  ASSERT_EQ(scrape_ms.size(), 10u);
  ASSERT_EQ(health_ms.size(), 3u);
  for (double ms : scrape_ms) EXPECT_LT(ms, 1000.0);
  for (double ms : health_ms) EXPECT_LT(ms, 1000.0);
  std::vector<double> all = scrape_ms;
  all.insert(all.end(), health_ms.begin(), health_ms.end());
  EXPECT_LE(Median(all), 50.0);

  // The client sockets live in this process too: they are not the server's cost.
  const double rss_mb = (held.rss_bytes - baseline.rss_bytes) / (1024.0 * 1024.0);
  const int server_threads = held.threads - baseline.threads - 1;  // less the trickler
  std::printf(
      "held %zu idle + %zu slow-body: scrape median %.1f ms max %.1f ms, "
      "health max %.1f ms, +%.1f MB RSS, %+d server threads\n",
      idle.size(), slow.size(), Median(scrape_ms),
      *std::max_element(scrape_ms.begin(), scrape_ms.end()),
      *std::max_element(health_ms.begin(), health_ms.end()), rss_mb, server_threads);
  ::testing::Test::RecordProperty("held_rss_mb", std::to_string(rss_mb));
  ::testing::Test::RecordProperty("held_server_threads", server_threads);

  for (int fd : idle) close(fd);
  for (int fd : slow) close(fd);
  const testing::ProcessStats after = WaitForBaseline(baseline);
  EXPECT_LE(after.threads, baseline.threads);
  EXPECT_LE(after.open_fds, baseline.open_fds);
}

}  // namespace
}  // namespace semstreams::metric
