#include "support/stub_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace semstreams::metric::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Far above anything a test sends; past it the connection is dropped rather
// than the test's memory filled.
constexpr std::size_t kMaxHead = std::size_t{64} * 1024;
constexpr std::size_t kMaxBody = std::size_t{64} * 1024 * 1024;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool ContainsIgnoringCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoringCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal or hexadecimal size no larger than kMaxBody; empty when invalid.
std::optional<std::size_t> ParseSize(std::string_view digits, int base) {
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  std::size_t value = 0;
  for (const char c : digits) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (base == 16 && Lower(c) >= 'a' && Lower(c) <= 'f') digit = Lower(c) - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value * static_cast<std::size_t>(base) + static_cast<std::size_t>(digit);
    if (value > kMaxBody) return std::nullopt;
  }
  return value;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::string StubRequest::Header(std::string_view name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct StubReceiver::Connection {
  int fd = -1;
  int id = 0;
  std::string in, out;
  bool peer_closed = false;
  bool want_continue = false;  // the head asked for "100 Continue"
  bool continue_sent = false;
  std::optional<std::size_t> waiting;  // index of the request awaiting its answer
  StubResponse response;               // its answer
  Clock::time_point due;
  bool close_after = false;  // close once the answer is sent
  bool closing = false;
};

StubReceiver::StubReceiver() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (listen_fd_ < 0 || wake_fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Run(); });
}

StubReceiver::~StubReceiver() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string StubReceiver::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void StubReceiver::Script(std::vector<StubResponse> responses) {
  const std::lock_guard<std::mutex> lock(mu_);
  for (auto& response : responses) script_.push_back(std::move(response));
}

void StubReceiver::SetDefault(StubResponse response) {
  const std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(response);
}

void StubReceiver::SetNeverAnswer(bool never) {
  const std::lock_guard<std::mutex> lock(mu_);
  never_answer_ = never;
}

std::vector<StubRequest> StubReceiver::Requests() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::size_t StubReceiver::RequestCount() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

std::size_t StubReceiver::Connections() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

std::size_t StubReceiver::MaxPending() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return max_pending_;
}

bool StubReceiver::WaitForRequests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

bool StubReceiver::WaitForAnswers(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return answered_ >= n; });
}

void StubReceiver::Run() {
  std::vector<Connection> connections;
  for (;;) {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
    }
    // Sleep no longer than until the next delayed answer is due; the wake fd
    // cuts any wait short.
    auto now = Clock::now();
    long timeout_ms = 1000;
    for (const auto& c : connections) {
      if (!c.waiting || c.response.never_answer) continue;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(c.due - now).count();
      timeout_ms = std::clamp<long>(left, 0, timeout_ms);
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : connections) {
      fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout_ms)) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof count);
    }
    std::vector<bool> dead(connections.size(), false);
    for (std::size_t i = 0; i < connections.size(); ++i) {
      const short revents = fds[i + 2].revents;
      if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !Receive(connections[i])) {
        dead[i] = true;
      }
      if (!dead[i] && (revents & POLLOUT) != 0 && !Flush(connections[i])) dead[i] = true;
    }
    if ((fds[1].revents & POLLIN) != 0) Accept(connections);
    dead.resize(connections.size(), false);
    now = Clock::now();
    for (std::size_t i = 0; i < connections.size(); ++i) {
      auto& c = connections[i];
      if (dead[i]) continue;
      // A request read together with the peer's FIN is still recorded.
      if (!Advance(c, now) || !Flush(c) || c.peer_closed || (c.closing && c.out.empty())) {
        dead[i] = true;
      }
    }
    std::vector<Connection> kept;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if (!dead[i]) {
        kept.push_back(std::move(connections[i]));
        continue;
      }
      Abandon(connections[i]);
      ::shutdown(connections[i].fd, SHUT_RDWR);
      ::close(connections[i].fd);
    }
    connections = std::move(kept);
  }
  for (auto& c : connections) {
    Abandon(c);
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
  }
}

void StubReceiver::Accept(std::vector<Connection>& connections) {
  for (int i = 0; i < 64; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Connection c;
    c.fd = fd;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      c.id = static_cast<int>(++accepted_);
    }
    connections.push_back(std::move(c));
    changed_.notify_all();
  }
}

bool StubReceiver::Receive(Connection& connection) {
  char buffer[16384];
  for (int i = 0; i < 1024; ++i) {
    const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      connection.in.append(buffer, static_cast<std::size_t>(n));
      if (connection.in.size() > kMaxHead + kMaxBody) return false;
      continue;
    }
    if (n == 0) {
      connection.peer_closed = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;
}

bool StubReceiver::Flush(Connection& connection) {
  for (int i = 0; i < 1024 && !connection.out.empty(); ++i) {
    const ssize_t n =
        ::send(connection.fd, connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      connection.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

int StubReceiver::Parse(Connection& connection, StubRequest& request) {
  const std::string& in = connection.in;
  const std::size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return in.size() > kMaxHead ? -1 : 0;
  const std::string_view head(in.data(), head_end);
  std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return -1;
  request.method = request_line.substr(0, sp1);
  request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  request.version = request_line.substr(sp2 + 1);
  request.headers.clear();
  while (line_end != std::string_view::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return -1;
    const std::string name(line.substr(0, colon));
    const std::string value(Trim(line.substr(colon + 1)));
    const auto [it, inserted] = request.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }

  std::size_t pos = head_end + 4;
  request.body.clear();
  if (ContainsIgnoringCase(request.Header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      const std::size_t size_end = in.find("\r\n", pos);
      if (size_end == std::string::npos) break;
      std::string_view size_line(in.data() + pos, size_end - pos);
      size_line = size_line.substr(0, size_line.find(';'));
      const auto size = ParseSize(Trim(size_line), 16);
      if (!size || request.body.size() + *size > kMaxBody) return -1;
      if (*size == 0) {
        // The last chunk, then trailer lines up to an empty one.
        const std::size_t end = in.compare(size_end + 2, 2, "\r\n") == 0
                                    ? size_end + 4
                                    : in.find("\r\n\r\n", size_end + 2);
        if (end == std::string::npos || end > in.size()) break;
        connection.in.erase(0, end == size_end + 4 ? end : end + 4);
        return 1;
      }
      if (in.size() < size_end + 2 + *size + 2) break;
      if (in.compare(size_end + 2 + *size, 2, "\r\n") != 0) return -1;
      request.body.append(in, size_end + 2, *size);
      pos = size_end + 2 + *size + 2;
    }
  } else if (request.HasHeader("Content-Length")) {
    const auto length = ParseSize(request.Header("Content-Length"), 10);
    if (!length) return -1;
    if (in.size() >= pos + *length) {
      request.body = in.substr(pos, *length);
      connection.in.erase(0, pos + *length);
      return 1;
    }
  } else {
    connection.in.erase(0, pos);
    return 1;
  }
  // The head is here, the body is not yet.
  connection.want_continue = EqualsIgnoringCase(request.Header("Expect"), "100-continue");
  return 0;
}

bool StubReceiver::Advance(Connection& connection, Clock::time_point now) {
  for (int step = 0; step < 64; ++step) {
    if (connection.waiting) {
      if (connection.response.never_answer || now < connection.due) return true;
      Answer(connection);
      if (connection.close_after) {
        connection.closing = true;
        return true;
      }
      continue;
    }
    if (connection.closing) return true;
    StubRequest request;
    const int parsed = Parse(connection, request);
    if (parsed < 0) return false;
    if (parsed == 0) {
      if (connection.want_continue && !connection.continue_sent) {
        connection.out += "HTTP/1.1 100 Continue\r\n\r\n";
        connection.continue_sent = true;
      }
      return true;
    }
    connection.want_continue = false;
    connection.continue_sent = false;
    request.connection = connection.id;
    request.arrived = Clock::now();
    const auto arrived = request.arrived;
    connection.close_after = EqualsIgnoringCase(request.Header("Connection"), "close");
    {
      const std::lock_guard<std::mutex> lock(mu_);
      if (never_answer_) {
        connection.response = StubResponse{};
        connection.response.never_answer = true;
      } else if (!script_.empty()) {
        connection.response = std::move(script_.front());
        script_.pop_front();
      } else {
        connection.response = default_;
      }
      request.status = connection.response.status;
      connection.waiting = requests_.size();
      requests_.push_back(std::move(request));
      max_pending_ = std::max(max_pending_, ++pending_);
    }
    changed_.notify_all();
    connection.due = arrived + connection.response.delay;
    now = std::max(now, arrived);
  }
  return true;
}

void StubReceiver::Answer(Connection& connection) {
  const StubResponse& response = connection.response;
  std::string text =
      "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
  text += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  bool close_sent = false;
  for (const auto& [name, value] : response.headers) {
    text.append(name).append(": ").append(value).append("\r\n");
    if (EqualsIgnoringCase(name, "Connection") && EqualsIgnoringCase(value, "close")) {
      close_sent = true;
    }
  }
  // The client asked to close: say so, as HTTP/1.1 servers do.
  if (connection.close_after && !close_sent) text += "Connection: close\r\n";
  connection.close_after = connection.close_after || close_sent;
  text += "\r\n";
  text += response.body;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    requests_[*connection.waiting].answered = Clock::now();
    ++answered_;
    --pending_;
  }
  changed_.notify_all();
  connection.out += text;
  connection.waiting.reset();
}

void StubReceiver::Abandon(const Connection& connection) {
  if (!connection.waiting) return;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    --pending_;
  }
  changed_.notify_all();
}

}  // namespace semstreams::metric::testing
