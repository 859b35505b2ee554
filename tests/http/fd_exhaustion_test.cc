#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"
#include "support/raw_client.h"

namespace semstreams::metric {
namespace {

// utime + stime of the whole process, in clock ticks, read through `stat_fd`
// (/proc/self/stat opened beforehand: at the limit no file can be opened).
// Plain C parsing: at the limit UBSan's type checks of stream classes fail for
// want of a pipe, so no iostreams here.
long CpuTicks(int stat_fd) {
  char buffer[1024] = {};
  const ssize_t n = pread(stat_fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return -1;
  const char* field = std::strrchr(buffer, ')');  // the command name may hold spaces
  if (field == nullptr) return -1;
  long utime = 0, stime = 0;
  // Field 3 (state) follows ") "; utime and stime are fields 14 and 15.
  for (int i = 2; i < 15 && field != nullptr; ++i) {
    field = std::strchr(field + 1, ' ');
    if (field == nullptr) return -1;
    if (i == 13) utime = std::strtol(field + 1, nullptr, 10);
    if (i == 14) stime = std::strtol(field + 1, nullptr, 10);
  }
  return utime + stime;
}

TEST(FdExhaustionTest, AcceptLoopIdlesAtTheFdLimitAndServingResumesWhenFdsFree) {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const std::string health = "http://127.0.0.1:" + std::to_string(server.Port()) + "/health";
  // Checked on a connection kept open until the end: a client closing one
  // while no descriptor is free would wake its session then, and UBSan's
  // vptr check cannot work at the limit (it probes memory through a pipe).
  testing::RawClient first(server.Port());
  first.Send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string first_answer;
  const auto first_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (first_answer.find("\r\n\r\n") == std::string::npos &&
         std::chrono::steady_clock::now() < first_deadline && !first.closed()) {
    first_answer +=
        first.ReadUntilClosed(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  }
  ASSERT_EQ(first_answer.rfind("HTTP/1.1 200 ", 0), 0u) << first_answer;

  // Client sockets made while descriptors are plentiful, plus a few spare
  // descriptors to give back later.
  constexpr int kClients = 60;
  std::vector<int> clients, spare;
  for (int i = 0; i < kClients; ++i) clients.push_back(socket(AF_INET, SOCK_STREAM, 0));
  for (int i = 0; i < 16; ++i) spare.push_back(eventfd(0, EFD_CLOEXEC));
  const int stat_fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(stat_fd, 0);
  for (int fd : clients) ASSERT_GE(fd, 0);
  for (int fd : spare) ASSERT_GE(fd, 0);

  // From here on no descriptor can be made: every number below the limit is taken.
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  const int lowest_free = dup(0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  rlimit low = original;
  low.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.Port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
  int connected = 0;
  for (int fd : clients) {
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      ++connected;
      send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    }
  }
  EXPECT_EQ(connected, kClients);
  EXPECT_EQ(dup(0), -1) << "the limit should leave no descriptor free";

  // The accept loop meets EMFILE at once (every connection waits in the
  // queue and no descriptor is free); 3 s from here include its first
  // retries, so a loop that spins instead of backing off shows at once.
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  const auto start = std::chrono::steady_clock::now();
  const long before = CpuTicks(stat_fd);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const long used = CpuTicks(stat_fd) - before;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double core_share = static_cast<double>(used) / (seconds * ticks_per_second);
  std::printf("at the fd limit: %ld ticks in %.2f s = %.1f%% of a core\n", used, seconds,
              core_share * 100);
  EXPECT_LT(core_share, 0.10);

  // Free descriptors: the server accepts again by itself within its backoff (1 s).
  for (int fd : spare) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);
  testing::HttpRequestOptions request_options;
  request_options.timeout = std::chrono::seconds(2);
  testing::HttpResponse response;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < 50 && std::chrono::steady_clock::now() < deadline; ++i) {
    response = testing::HttpGet(health, request_options);
    if (response.status == 200) break;
  }
  EXPECT_EQ(response.status, 200) << response.error;
  // The held clients were answered too.
  int answered = 0;
  for (int fd : clients) {
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[16] = {};
    answered += recv(fd, buffer, sizeof buffer - 1, 0) > 0 &&
                std::string(buffer).rfind("HTTP/1.1 200", 0) == 0;
    close(fd);
  }
  EXPECT_EQ(answered, kClients);
  close(stat_fd);
}

}  // namespace
}  // namespace semstreams::metric
