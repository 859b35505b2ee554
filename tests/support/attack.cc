#include "support/attack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "support/http_client.h"

namespace semstreams::metric::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ErrnoText(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

bool IsTrickler(Behavior b) {
  return b == Behavior::kSlowloris || b == Behavior::kSlowBody || b == Behavior::kTlsSlowloris;
}

bool IsReader(Behavior b) { return b == Behavior::kSlowReader || b == Behavior::kNonReader; }

// What a connection sends: `burst` at once when connected, then one byte per
// trickle interval from `prefix` followed by `cycle` repeated for ever.
struct Script {
  std::string burst;
  std::string prefix;
  std::string cycle;

  char TrickleByte(std::size_t i) const {
    if (i < prefix.size()) return prefix[i];
    return cycle.empty() ? ' ' : cycle[(i - prefix.size()) % cycle.size()];
  }
};

Script ScriptFor(Behavior behavior, const AttackerOptions& o, const std::string& client_hello) {
  const std::string host = "Host: " + o.host + ":" + std::to_string(o.port) + "\r\n";
  const std::string get = "GET " + o.metrics_path + " HTTP/1.1\r\n";
  // Valid header lines, so only the pace is wrong and no parser can refuse early.
  const std::string slow_header = "X-Slowloris: 1\r\n";
  switch (behavior) {
    case Behavior::kIdle:
      return {};
    case Behavior::kSlowloris:
      return {get, host, slow_header};
    case Behavior::kSlowBody:
      return {"POST " + o.metrics_path + " HTTP/1.1\r\n" + host +
                  "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n",
              "", "x"};
    case Behavior::kSlowReader:
    case Behavior::kNonReader:
      return {get + host + "\r\n", "", ""};
    case Behavior::kKeepAliveIdle:
      return {"GET /health HTTP/1.1\r\n" + host + "\r\n", "", ""};
    case Behavior::kPartialClientHello:
      return {client_hello.substr(0, std::min(client_hello.size(),
                                              static_cast<std::size_t>(o.partial_hello_bytes))),
              "", ""};
    case Behavior::kTlsSlowloris:
      return {"", get + host, slow_header};
  }
  return {};
}

}  // namespace

int AttackPlan::Connections() const {
  int total = 0;
  for (const Wave& wave : waves) total += wave.connections;
  return total;
}

std::optional<AttackPlan> FindAttack(std::string_view name) {
  if (name == "none") return AttackPlan{"none", false, false, {}};  // the unattacked baseline
  if (name == "idle") return AttackPlan{"idle", false, true, {{Behavior::kIdle, 2000}}};
  if (name == "slowloris") {
    return AttackPlan{"slowloris", false, true, {{Behavior::kSlowloris, 2000}}};
  }
  if (name == "slow-body") {
    return AttackPlan{"slow-body", false, false, {{Behavior::kSlowBody, 64}}};
  }
  if (name == "slow-read") {
    return AttackPlan{
        "slow-read", false, true, {{Behavior::kSlowReader, 150}, {Behavior::kNonReader, 150}}};
  }
  if (name == "keepalive-idle") {
    return AttackPlan{"keepalive-idle", false, true, {{Behavior::kKeepAliveIdle, 300}}};
  }
  if (name == "tls-hello") {
    return AttackPlan{
        "tls-hello", true, true, {{Behavior::kIdle, 300}, {Behavior::kPartialClientHello, 150}}};
  }
  if (name == "tls-slowloris") {
    return AttackPlan{"tls-slowloris", true, true, {{Behavior::kTlsSlowloris, 300}}};
  }
  return std::nullopt;
}

std::vector<std::string> AttackNames() {
  return {"idle",           "slowloris", "slow-body",    "slow-read",
          "keepalive-idle", "tls-hello", "tls-slowloris"};
}

long RaiseFileLimitToHard() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}

std::string CaptureClientHello() {
  std::string hello;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return hello;
  if (SSL* ssl = SSL_new(ctx)) {
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);  // the SSL owns both now
    SSL_set_connect_state(ssl);
    SSL_set_tlsext_host_name(ssl, "localhost");
    // Nothing ever answers, so this stops at once wanting the ServerHello,
    // with the ClientHello written to `out`.
    SSL_do_handshake(ssl);
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    if (size > 0) hello.assign(data, static_cast<std::size_t>(size));
    SSL_free(ssl);
  }
  SSL_CTX_free(ctx);
  return hello;
}

// ---------------------------------------------------------------------------
// The attacking loop.

class Attacker::Loop {
 public:
  Loop(AttackerOptions options, std::vector<Wave> waves) : options_(std::move(options)) {
    for (const Wave& wave : waves) {
      Conn c;
      c.behavior = wave.behavior;
      conns_.insert(conns_.end(), static_cast<std::size_t>(wave.connections), c);
    }
  }

  ~Loop() { Stop(); }

  bool Start(std::string* error) {
    if (inet_pton(AF_INET, options_.host.c_str(), &address_.sin_addr) != 1) {
      *error = "not an IPv4 address: " + options_.host;
      return false;
    }
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<std::uint16_t>(options_.port));
    bool needs_tls = false;
    for (const Conn& c : conns_) {
      needs_tls |= c.behavior == Behavior::kTlsSlowloris;
      needs_tls |= c.behavior == Behavior::kPartialClientHello;
    }
    if (needs_tls) {
      client_hello_ = CaptureClientHello();
      ssl_ctx_ = SSL_CTX_new(TLS_client_method());
      if (client_hello_.empty() || ssl_ctx_ == nullptr) {
        *error = "OpenSSL client setup failed";
        return false;
      }
      // An attacker trusts anything: the handshake only has to finish.
      SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_NONE, nullptr);
    }
    for (const Conn& c : conns_) {
      if (scripts_.count(c.behavior) == 0) {
        scripts_[c.behavior] = ScriptFor(c.behavior, options_, client_hello_);
      }
    }
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
      *error = ErrnoText("epoll_create1", errno);
      return false;
    }
    started_ = Clock::now();
    for (Conn& c : conns_) c.reopen_at = started_;
    thread_ = std::thread([this] { Run(); });
    return true;
  }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (Conn& c : conns_) Discard(c);
    if (epoll_fd_ >= 0) close(epoll_fd_);
    epoll_fd_ = -1;
    if (ssl_ctx_ != nullptr) SSL_CTX_free(ssl_ctx_);
    ssl_ctx_ = nullptr;
  }

  AttackStats Stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return published_;
  }

 private:
  enum class Phase { kClosed, kConnecting, kHandshaking, kRunning };

  struct Conn {
    Behavior behavior = Behavior::kIdle;
    Phase phase = Phase::kClosed;
    int fd = -1;
    SSL* ssl = nullptr;
    std::uint32_t watching = 0;
    Clock::time_point opened_at;
    Clock::time_point reopen_at;
    Clock::time_point next_tick;
    std::string unsent;        // part of the burst the socket did not take yet
    std::size_t trickled = 0;  // bytes of the trickle stream sent
  };

  const Script& ScriptOf(const Conn& c) const { return scripts_.at(c.behavior); }

  void Run() {
    // SSL_write to a connection the server closed raises SIGPIPE (OpenSSL
    // writes without MSG_NOSIGNAL); blocked in this thread only, it stays
    // pending and the write fails with EPIPE instead of ending the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    std::vector<epoll_event> events(1024);
    while (!stop_.load(std::memory_order_relaxed)) {
      OpenDue(Clock::now());
      // 50 ms bounds how late a trickled byte or a stop can be.
      const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 50);
      const Clock::time_point now = Clock::now();
      for (int i = 0; i < n; ++i) {
        OnEvent(conns_[events[i].data.u64], events[i].events, now);
      }
      for (Conn& c : conns_) OnTimer(c, now);
      Publish();
    }
  }

  void OpenDue(Clock::time_point now) {
    for (Conn& c : conns_) {
      if (pending_connects_ >= options_.max_pending_connects) return;
      if (c.phase == Phase::kClosed && c.reopen_at <= now) Open(c, now);
    }
  }

  void Open(Conn& c, Clock::time_point now) {
    ++stats_.connects_started;
    c.opened_at = now;
    c.unsent.clear();
    c.trickled = 0;
    c.watching = 0;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return Fail(c, ErrnoText("socket", errno), now);
    if (IsReader(c.behavior)) {
      setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &options_.receive_buffer,
                 sizeof options_.receive_buffer);
    }
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&address_), sizeof address_) != 0 &&
        errno != EINPROGRESS) {
      return Fail(c, ErrnoText("connect", errno), now);
    }
    c.phase = Phase::kConnecting;
    ++pending_connects_;
    Watch(c, EPOLLOUT);
  }

  void Watch(Conn& c, std::uint32_t events) {
    if (c.watching == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    epoll_ctl(epoll_fd_, c.watching == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
    c.watching = events;
  }

  void OnEvent(Conn& c, std::uint32_t events, Clock::time_point now) {
    switch (c.phase) {
      case Phase::kClosed:
        return;
      case Phase::kConnecting: {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return Fail(c, ErrnoText("connect", err), now);
        if ((events & EPOLLOUT) == 0) return;
        --pending_connects_;
        ++stats_.connects_ok;
        return OnConnected(c, now);
      }
      case Phase::kHandshaking:
        return Handshake(c, now);
      case Phase::kRunning:
        if (IsReader(c.behavior)) {
          // Readers read on their own pace, so they watch only for a hang-up.
          if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) return ServerClosed(c, now);
          return SendBurst(c, now);
        }
        if ((events & EPOLLOUT) != 0) SendBurst(c, now);
        if (c.phase == Phase::kRunning) Drain(c, now);
        return;
    }
  }

  void OnConnected(Conn& c, Clock::time_point now) {
    if (c.behavior == Behavior::kTlsSlowloris) {
      c.ssl = SSL_new(ssl_ctx_);
      if (c.ssl == nullptr || SSL_set_fd(c.ssl, c.fd) != 1) {
        return Fail(c, "SSL_new failed", now);
      }
      SSL_set_connect_state(c.ssl);
      c.phase = Phase::kHandshaking;
      return Handshake(c, now);
    }
    Established(c, now);
  }

  void Handshake(Conn& c, Clock::time_point now) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(c.ssl);
    if (rc == 1) {
      ++stats_.tls_handshakes;
      return Established(c, now);
    }
    const int err = SSL_get_error(c.ssl, rc);
    if (err == SSL_ERROR_WANT_READ) return Watch(c, EPOLLIN | EPOLLRDHUP);
    if (err == SSL_ERROR_WANT_WRITE) return Watch(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    char reason[256] = "closed during the handshake";
    if (const unsigned long e = ERR_get_error(); e != 0)
      ERR_error_string_n(e, reason, sizeof reason);
    Fail(c, std::string("TLS handshake: ") + reason, now);
  }

  // Connected (and TLS done): counts as open, sends the burst, starts the pace.
  void Established(Conn& c, Clock::time_point now) {
    c.phase = Phase::kRunning;
    ++stats_.open;
    stats_.peak_open = std::max(stats_.peak_open, stats_.open);
    if (stats_.seconds_to_all_open < 0 && stats_.open == static_cast<int>(conns_.size())) {
      stats_.seconds_to_all_open = std::chrono::duration<double>(now - started_).count();
    }
    c.next_tick = c.behavior == Behavior::kTlsSlowloris ? now : now + options_.trickle_interval;
    c.unsent = ScriptOf(c).burst;
    Watch(c, IsReader(c.behavior) ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
    SendBurst(c, now);
  }

  // Writes through TLS when the connection has it; returns bytes taken, 0
  // when the socket is full, -1 when the connection is gone.
  long Write(Conn& c, const char* data, std::size_t size) {
    if (c.ssl != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(c.ssl, data, static_cast<int>(size));
      if (n > 0) return n;
      const int err = SSL_get_error(c.ssl, n);
      return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? 0 : -1;
    }
    const ssize_t n = send(c.fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<long>(n);
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }

  void SendBurst(Conn& c, Clock::time_point now) {
    if (c.unsent.empty()) return;
    const long n = Write(c, c.unsent.data(), c.unsent.size());
    if (n < 0) return ServerClosed(c, now);
    stats_.bytes_sent += n;
    c.unsent.erase(0, static_cast<std::size_t>(n));
    const std::uint32_t base = IsReader(c.behavior) ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP;
    Watch(c, c.unsent.empty() ? base : base | EPOLLOUT);
  }

  // Reads whatever the server sent (answers, TLS tickets) so the server's
  // writes never stall on these; end of stream means the server closed.
  // At most `limit` bytes a call, so one fast sender cannot starve the other
  // sockets; level-triggered epoll reports the rest again.
  void Drain(Conn& c, Clock::time_point now, std::size_t limit = 256 * 1024) {
    char buffer[16384];
    while (limit > 0) {
      const std::size_t want = std::min(limit, sizeof buffer);
      long n;
      if (c.ssl != nullptr) {
        ERR_clear_error();
        n = SSL_read(c.ssl, buffer, static_cast<int>(want));
        if (n <= 0) {
          const int err = SSL_get_error(c.ssl, static_cast<int>(n));
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
          return ServerClosed(c, now);
        }
      } else {
        n = recv(c.fd, buffer, want, 0);
        if (n == 0) return ServerClosed(c, now);
        if (n < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) return;
          return ServerClosed(c, now);
        }
      }
      stats_.bytes_received += n;
      limit -= static_cast<std::size_t>(n);
    }
  }

  void OnTimer(Conn& c, Clock::time_point now) {
    if (c.phase == Phase::kConnecting || c.phase == Phase::kHandshaking) {
      if (now - c.opened_at > options_.connect_timeout) {
        return Fail(c,
                    c.phase == Phase::kConnecting ? "connect timed out" : "TLS handshake timed out",
                    now);
      }
      return;
    }
    if (c.phase != Phase::kRunning || now < c.next_tick) return;
    c.next_tick = std::max(c.next_tick + options_.trickle_interval, now);
    if (c.behavior == Behavior::kSlowReader) {
      return Drain(c, now, static_cast<std::size_t>(options_.slow_read_bytes));
    }
    if (!IsTrickler(c.behavior) || !c.unsent.empty()) return;
    const char byte = ScriptOf(c).TrickleByte(c.trickled);
    const long n = Write(c, &byte, 1);
    if (n < 0) return ServerClosed(c, now);
    stats_.bytes_sent += n;
    c.trickled += static_cast<std::size_t>(n);
  }

  void ServerClosed(Conn& c, Clock::time_point now) {
    ++stats_.closed_by_server;
    --stats_.open;
    Reopen(c, now);
  }

  void Fail(Conn& c, const std::string& why, Clock::time_point now) {
    ++stats_.connects_failed;
    if (stats_.first_error.empty()) stats_.first_error = why;
    if (c.phase == Phase::kConnecting) --pending_connects_;
    Reopen(c, now);
  }

  void Reopen(Conn& c, Clock::time_point now) {
    Discard(c);
    c.reopen_at = std::max(now, c.opened_at + options_.reopen_interval);
  }

  void Discard(Conn& c) {
    if (c.ssl != nullptr) SSL_free(c.ssl);  // no close_notify: the peer gets a bare close
    c.ssl = nullptr;
    if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.phase = Phase::kClosed;
    c.watching = 0;
  }

  void Publish() {
    std::lock_guard<std::mutex> lock(mu_);
    published_ = stats_;
  }

  AttackerOptions options_;
  std::vector<Conn> conns_;
  std::map<Behavior, Script> scripts_;
  sockaddr_in address_{};
  std::string client_hello_;
  SSL_CTX* ssl_ctx_ = nullptr;
  int epoll_fd_ = -1;
  int pending_connects_ = 0;
  Clock::time_point started_;
  AttackStats stats_;  // the loop thread's own
  mutable std::mutex mu_;
  AttackStats published_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Attacker::Attacker(AttackerOptions options, std::vector<Wave> waves)
    : loop_(std::make_unique<Loop>(std::move(options), std::move(waves))) {}
Attacker::~Attacker() = default;
bool Attacker::Start(std::string* error) { return loop_->Start(error); }
void Attacker::Stop() { loop_->Stop(); }
AttackStats Attacker::Stats() const { return loop_->Stats(); }

// ---------------------------------------------------------------------------
// Scrapes and /proc.

namespace {

std::vector<double> LatenciesOf(const ScrapeRound& round, std::string_view path) {
  std::vector<double> ms;
  for (const ScrapeSample& s : round.samples) {
    if (s.path == path) ms.push_back(s.ms);
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

}  // namespace

int ScrapeRound::Attempts(std::string_view path) const {
  return static_cast<int>(LatenciesOf(*this, path).size());
}

int ScrapeRound::Successes(std::string_view path) const {
  return static_cast<int>(std::count_if(samples.begin(), samples.end(), [&](const ScrapeSample& s) {
    return s.path == path && s.ok;
  }));
}

double ScrapeRound::MedianMs(std::string_view path) const {
  const std::vector<double> ms = LatenciesOf(*this, path);
  if (ms.empty()) return 0;
  const std::size_t mid = ms.size() / 2;
  return ms.size() % 2 == 1 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
}

double ScrapeRound::MaxMs(std::string_view path) const {
  const std::vector<double> ms = LatenciesOf(*this, path);
  return ms.empty() ? 0 : ms.back();
}

ScrapeRound RunScrapeRound(const ScrapeTarget& target, int metrics, int health,
                           milliseconds limit) {
  ScrapeRound round;
  HttpRequestOptions request;
  request.timeout = limit;
  request.ca_file = target.ca_file;
  const int total = metrics + health;
  int health_done = 0;
  for (int i = 0; i < total; ++i) {
    // Spreads the /health scrapes evenly among the metrics scrapes.
    const bool is_health = health_done < health && (i + 1) * health >= (health_done + 1) * total;
    health_done += is_health;
    ScrapeSample sample;
    sample.path = is_health ? "/health" : target.metrics_path;
    const auto start = Clock::now();
    const HttpResponse response = HttpGet(target.base_url + sample.path, request);
    sample.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    sample.status = response.status;
    sample.error = response.error;
    sample.body_bytes = response.body.size();
    sample.ok =
        response.ok() && response.status == 200 && sample.ms <= static_cast<double>(limit.count());
    round.samples.push_back(std::move(sample));
  }
  return round;
}

ProcessStats ReadProcessStatsOf(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  ProcessStats stats;
  std::ifstream status(dir + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      stats.rss_bytes = std::stod(line.substr(6)) * 1024;  // "VmRSS:   1234 kB"
      break;
    }
  }
  stats.open_fds = CountEntries((dir + "/fd").c_str());
  stats.threads = CountEntries((dir + "/task").c_str());
  return stats;
}

// ---------------------------------------------------------------------------
// One attack, start to finish.

AttackReport RunAttack(const AttackRun& run) {
  AttackReport report;
  report.attack = run.plan.name;
  report.connections = run.plan.Connections();
  report.hold_seconds = std::chrono::duration<double>(run.hold).count();
  report.watched = run.server_pid > 0;

  // The first scrape allocates what every later one reuses: not attack cost.
  const ScrapeRound warm_up = RunScrapeRound(run.scrape, 1, 1, milliseconds(10000));
  for (const ScrapeSample& s : warm_up.samples) {
    if (!s.ok) {
      report.error = "warm-up scrape of " + s.path + " failed: status " + std::to_string(s.status) +
                     " " + s.error;
      return report;
    }
  }
  if (report.watched) {
    // The warm-up's connections close asynchronously: wait (bounded) until
    // two samples agree, so they are not part of the baseline.
    report.baseline = ReadProcessStatsOf(run.server_pid);
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(milliseconds(100));
      const ProcessStats now = ReadProcessStatsOf(run.server_pid);
      const bool steady = now.open_fds == report.baseline.open_fds;
      report.baseline = now;
      if (steady) break;
    }
    report.min_threads = report.max_threads = report.baseline.threads;
    report.peak_rss_bytes = report.baseline.rss_bytes;
    report.peak_fds = report.baseline.open_fds;
  }

  Attacker attacker(run.attacker, run.plan.waves);
  if (!attacker.Start(&report.error)) return report;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + run.hold;
  std::vector<Clock::time_point> round_at;
  for (double f : run.round_fractions) {
    round_at.push_back(start + std::chrono::duration_cast<Clock::duration>(run.hold * f));
  }
  std::size_t next_round = 0;
  // A round that a slow earlier one pushed past the end still runs, under attack.
  for (Clock::time_point now = start; now < end || next_round < round_at.size();
       now = Clock::now()) {
    if (report.watched) {
      const ProcessStats s = ReadProcessStatsOf(run.server_pid);
      report.min_threads = std::min(report.min_threads, s.threads);
      report.max_threads = std::max(report.max_threads, s.threads);
      report.peak_rss_bytes = std::max(report.peak_rss_bytes, s.rss_bytes);
      report.peak_fds = std::max(report.peak_fds, s.open_fds);
      report.timeline.emplace_back(std::chrono::duration<double>(now - start).count(), s);
    }
    if (next_round < round_at.size() && now >= round_at[next_round]) {
      ScrapeRound round =
          RunScrapeRound(run.scrape, run.metrics_scrapes, run.health_scrapes, run.scrape_limit);
      round.at_seconds = std::chrono::duration<double>(now - start).count();
      report.rounds.push_back(std::move(round));
      ++next_round;
      continue;
    }
    // Paces the sampling; the attack itself runs on the attacker's thread.
    Clock::time_point wake = std::min(Clock::now() + run.sample_every, end);
    if (next_round < round_at.size()) wake = std::min(wake, round_at[next_round]);
    std::this_thread::sleep_until(wake);
  }
  attacker.Stop();
  report.attacker = attacker.Stats();

  if (report.watched) {
    const Clock::time_point stopped = Clock::now();
    const Clock::time_point deadline = stopped + run.settle_limit;
    for (;;) {
      report.after = ReadProcessStatsOf(run.server_pid);
      report.fds_settled = report.after.open_fds <= report.baseline.open_fds;
      if (report.fds_settled || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
    report.settle_seconds = SecondsSince(stopped);
  }
  return report;
}

std::string AttackReport::ToJson() const {
  using nlohmann::json;
  json out = {{"attack", attack}, {"connections", connections}, {"hold_s", hold_seconds}};
  if (!error.empty()) out["error"] = error;
  out["attacker"] = {{"connects_started", attacker.connects_started},
                     {"connects_ok", attacker.connects_ok},
                     {"connects_failed", attacker.connects_failed},
                     {"tls_handshakes", attacker.tls_handshakes},
                     {"closed_by_server", attacker.closed_by_server},
                     {"bytes_sent", attacker.bytes_sent},
                     {"bytes_received", attacker.bytes_received},
                     {"open_at_end", attacker.open},
                     {"peak_open", attacker.peak_open},
                     {"all_open_after_s", attacker.seconds_to_all_open},
                     {"first_error", attacker.first_error}};
  json round_list = json::array();
  for (const ScrapeRound& round : rounds) {
    json r = {{"at_s", round.at_seconds}};
    for (const ScrapeSample& s : round.samples) {
      json& p = r[s.path == "/health" ? "health" : "metrics"];
      if (p.is_null()) {
        p = {{"ok", round.Successes(s.path)},
             {"of", round.Attempts(s.path)},
             {"median_ms", round.MedianMs(s.path)},
             {"max_ms", round.MaxMs(s.path)},
             {"ms", json::array()}};
      }
      p["ms"].push_back(std::round(s.ms * 10) / 10);
      if (!s.ok) {
        p["failures"].push_back(s.error.empty() ? "status " + std::to_string(s.status) : s.error);
      }
    }
    round_list.push_back(std::move(r));
  }
  out["rounds"] = std::move(round_list);
  if (watched) {
    constexpr double kMiB = 1024.0 * 1024.0;
    out["server"] = {{"threads_baseline", baseline.threads},
                     {"threads_min", min_threads},
                     {"threads_max", max_threads},
                     {"rss_baseline_mib", baseline.rss_bytes / kMiB},
                     {"rss_peak_mib", peak_rss_bytes / kMiB},
                     {"rss_delta_mib", (peak_rss_bytes - baseline.rss_bytes) / kMiB},
                     {"fds_baseline", baseline.open_fds},
                     {"fds_peak", peak_fds},
                     {"fds_after", after.open_fds},
                     {"fds_settled", fds_settled},
                     {"settle_s", settle_seconds}};
    // About one sample a second: [s, threads, RSS MiB, fds].
    json timeline_json = json::array();
    double next_second = 0;
    for (const auto& [at, s] : timeline) {
      if (at < next_second) continue;
      next_second = std::floor(at) + 1;
      timeline_json.push_back({std::round(at * 10) / 10, s.threads,
                               std::round(s.rss_bytes / kMiB * 10) / 10, s.open_fds});
    }
    out["server"]["timeline"] = std::move(timeline_json);
  }
  return out.dump();
}

// ---------------------------------------------------------------------------
// The server under attack, as a child process.

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::string& binary,
                                                    const std::vector<std::string>& args,
                                                    milliseconds wait, std::string* error) {
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    *error = ErrnoText("pipe2", errno);
    return nullptr;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = ErrnoText("fork", errno);
    close(out[0]);
    close(out[1]);
    return nullptr;
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec. The server dies with
    // the test, even when the test crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(out[1], STDOUT_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  std::unique_ptr<ServerProcess> server(new ServerProcess(pid, out[0]));

  constexpr std::string_view kMarker = "serving metrics at ";
  std::string printed;
  const Clock::time_point deadline = Clock::now() + wait;
  for (;;) {
    const auto marker = printed.find(kMarker);
    const auto eol = marker == std::string::npos ? marker : printed.find('\n', marker);
    if (eol != std::string::npos) {
      server->url_ = printed.substr(marker + kMarker.size(), eol - marker - kMarker.size());
      break;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
      *error = binary + " printed no address within " + std::to_string(wait.count()) +
               " ms; stdout: " + printed;
      return nullptr;
    }
    char buffer[512];
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) {
      *error = binary + " exited before serving; stdout: " + printed;
      return nullptr;
    }
    printed.append(buffer, static_cast<std::size_t>(n));
  }
  // "http://localhost:PORT/metrics": the port sits between the last ':' and
  // the path (a bracketed IPv6 host has colons of its own).
  const auto host = server->url_.find("://");
  const auto path = server->url_.find('/', host == std::string::npos ? 0 : host + 3);
  const auto colon = server->url_.rfind(':', path);
  try {
    server->port_ = std::stoi(server->url_.substr(colon + 1, path - colon - 1));
  } catch (const std::exception&) {
    *error = "no port in the printed address " + server->url_;
    return nullptr;
  }
  return server;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(milliseconds(5000));
  close(stdout_fd_);
}

int ServerProcess::Stop(milliseconds wait) {
  if (pid_ <= 0) return -1;
  // A pidfd turns "wait for exit with a deadline" into one poll().
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  kill(pid_, SIGTERM);
  pollfd p{pidfd, POLLIN, 0};
  if (pidfd < 0 || poll(&p, 1, static_cast<int>(wait.count())) <= 0) kill(pid_, SIGKILL);
  if (pidfd >= 0) close(pidfd);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace semstreams::metric::testing
