// Any bytes as what a client sends on one connection to a running
// MetricsServer: an answer must begin with a well-formed HTTP/1.x status line
// with a status the server is meant to give, the connection must end within the
// server's deadlines once the client stops sending, and the server must keep
// answering /health. Runs over loopback, through the real parser, router and
// writer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"

namespace {

using semstreams::metric::MetricsServer;
using Clock = std::chrono::steady_clock;

MetricsServer& Server() {
  static MetricsServer* server = [] {
    semstreams::metric::ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.read_header_timeout = std::chrono::milliseconds(500);
    options.idle_timeout = std::chrono::milliseconds(500);
    options.write_timeout = std::chrono::milliseconds(500);
    auto registry = semstreams::metric::NewMetricsRegistry();
    registry->CoreMetrics().RecordMessageReceived("fuzz", "in");
    auto* s = new MetricsServer(options, registry);
    if (!s->Start().ok()) std::abort();
    return s;
  }();
  return *server;
}

// Sends `request`, ends the sending side, and returns everything the server
// wrote until it closed; aborts if it has not closed within `limit`.
std::string Exchange(std::string_view request, std::chrono::milliseconds limit) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(Server().Port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  // The server may close before reading everything (a 431, say): a failed
  // send is an answer like any other.
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string answer;
  const auto deadline = Clock::now() + limit;
  char buffer[16384];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) std::abort();  // never closed
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return answer;
}

// The first answer, if any, begins "HTTP/1.x NNN " with a status the server
// gives (bodies can hold anything, so later ones are not searched for).
void CheckStatusLine(std::string_view answer) {
  static const std::set<std::string_view> kStatuses = {"200", "400", "401", "403", "404",
                                                       "405", "414", "431", "503"};
  if (answer.empty()) return;
  if (answer.size() < 13 || answer.substr(0, 7) != "HTTP/1." || answer[8] != ' ' ||
      kStatuses.count(answer.substr(9, 3)) == 0 || answer.find("\r\n\r\n") == answer.npos) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static int runs = 0;
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  CheckStatusLine(Exchange(request, std::chrono::seconds(5)));
  if (++runs % 64 == 0) {
    const std::string health =
        Exchange("GET /health HTTP/1.1\r\nHost: f\r\n\r\n", std::chrono::seconds(5));
    if (health.rfind("HTTP/1.1 200 ", 0) != 0) std::abort();
  }
  return 0;
}
