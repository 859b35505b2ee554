#pragma once

// Cheap attacks on an HTTP(S) metrics server, shared by
// tests/http/server_attack_test.cc and bench/attack_cli.cc: one thread drives
// thousands of misbehaving loopback connections while fresh scrapes are timed
// and the server process's threads, RSS and fds are sampled from /proc.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/process_stats.h"

namespace semstreams::metric::testing {

/// \brief What one attacking connection does once connected.
enum class Behavior {
  kIdle,                // sends nothing
  kSlowloris,           // the request line, then one header byte per trickle interval
  kSlowBody,            // a POST declaring a 1 MB body, then one body byte per interval
  kSlowReader,          // a GET of the metrics path, then reads a few bytes per interval
  kNonReader,           // a GET of the metrics path, then never reads
  kKeepAliveIdle,       // one GET /health, then idles on the kept-alive connection
  kPartialClientHello,  // the first bytes of a real TLS ClientHello, then nothing
  kTlsSlowloris,        // a full TLS handshake, then the request one byte per interval
};

/// \brief `connections` sockets that all behave alike.
struct Wave {
  Behavior behavior;
  int connections;
};

/// \brief One named attack: what it sends and what the server must do with it.
struct AttackPlan {
  std::string name;
  /// The server must serve TLS for this attack to mean anything.
  bool tls = false;
  /// The server should keep every connection open while the attack lasts (a
  /// server may answer a slow body at once and close, so that one does not).
  bool server_holds_connections = true;
  std::vector<Wave> waves;

  int Connections() const;
};

/// \brief The attacks by name: idle, slowloris, slow-body,
/// slow-read, keepalive-idle, tls-hello, tls-slowloris; "none" attacks
/// nothing (the scrape figures of an unattacked server). Nullopt otherwise.
std::optional<AttackPlan> FindAttack(std::string_view name);
/// \brief Every attack FindAttack knows ("none" aside).
std::vector<std::string> AttackNames();

/// \brief Raises this process's RLIMIT_NOFILE soft limit to the hard one
/// (children started afterwards inherit it); returns the new soft limit.
long RaiseFileLimitToHard();

/// \brief How the attacker paces and sizes its connections.
struct AttackerOptions {
  /// IPv4 literal of the server.
  std::string host = "127.0.0.1";
  int port = 0;
  /// The path slowloris, slow-body and slow-reader requests name.
  std::string metrics_path = "/metrics";
  /// Slowloris, slow-body and slow-reader pace.
  std::chrono::milliseconds trickle_interval{2000};
  /// A connect (or TLS handshake) not done by then counts as refused.
  std::chrono::milliseconds connect_timeout{5000};
  /// A connection the server closes is reopened, but each slot opens at most
  /// once per this, so a server that closes at once is not hammered.
  std::chrono::milliseconds reopen_interval{1000};
  /// Connects in progress at once (the rest wait), so opening thousands does
  /// not overflow the server's SYN backlog.
  int max_pending_connects = 128;
  /// SO_RCVBUF of slow readers: small, so the server's writes stall early.
  int receive_buffer = 2048;
  /// Bytes a slow reader takes per trickle interval.
  int slow_read_bytes = 64;
  /// Bytes of the ClientHello that kPartialClientHello sends.
  int partial_hello_bytes = 50;
};

/// \brief What the attacker saw, cumulative since Start().
struct AttackStats {
  std::int64_t connects_started = 0;
  std::int64_t connects_ok = 0;
  /// Refused, failed or timed out connects (or TLS handshakes).
  std::int64_t connects_failed = 0;
  std::int64_t tls_handshakes = 0;
  /// Established connections the server closed (FIN or RST); each is reopened.
  std::int64_t closed_by_server = 0;
  std::int64_t bytes_sent = 0;
  std::int64_t bytes_received = 0;
  /// Established connections right now, and the most at once.
  int open = 0;
  int peak_open = 0;
  /// Seconds from Start() until every connection was open at once (-1: never).
  double seconds_to_all_open = -1;
  /// The first failure, for the report.
  std::string first_error;
};

/// \brief One thread, one epoll set, every attacking socket non-blocking.
class Attacker {
 public:
  Attacker(AttackerOptions options, std::vector<Wave> waves);
  ~Attacker();
  Attacker(const Attacker&) = delete;
  Attacker& operator=(const Attacker&) = delete;

  /// \brief Starts the attacking thread; false (with `error`) if it cannot.
  bool Start(std::string* error);
  /// \brief Closes every attacking socket and joins the thread.
  void Stop();
  /// \brief A consistent copy of the counters, safe from any thread.
  AttackStats Stats() const;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

/// \brief The start of the ClientHello an OpenSSL client sends first (a TLS
/// record), captured over memory BIOs; empty on failure.
std::string CaptureClientHello();

/// \brief Where fresh scrapes go.
struct ScrapeTarget {
  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT", no trailing slash.
  std::string base_url;
  /// For https: the PEM that the server certificate chains to.
  std::string ca_file;
  std::string metrics_path = "/metrics";
};

/// \brief One timed scrape on a fresh connection.
struct ScrapeSample {
  std::string path;
  long status = 0;
  double ms = 0;
  std::size_t body_bytes = 0;
  std::string error;
  /// 200 within the round's limit.
  bool ok = false;
};

/// \brief Fresh scrapes of the metrics path and /health, timed together.
struct ScrapeRound {
  /// Seconds into the attack when the round began.
  double at_seconds = 0;
  std::vector<ScrapeSample> samples;

  int Attempts(std::string_view path) const;
  int Successes(std::string_view path) const;
  double MedianMs(std::string_view path) const;
  double MaxMs(std::string_view path) const;
};

/// \brief `metrics` scrapes of the metrics path and `health` of /health, one
/// after another, each on a new connection and allowed `limit`.
ScrapeRound RunScrapeRound(const ScrapeTarget& target, int metrics, int health,
                           std::chrono::milliseconds limit);

/// \brief ProcessStats of another process, from /proc/<pid> (RSS is VmRSS).
ProcessStats ReadProcessStatsOf(pid_t pid);

/// \brief One attack held against one server, with the figures to judge it by.
struct AttackRun {
  AttackPlan plan;
  /// Host and port come from here; the attacker's pacing too.
  AttackerOptions attacker;
  ScrapeTarget scrape;
  /// How long the attack is held.
  std::chrono::milliseconds hold{45000};
  /// Scrape rounds start at these fractions of `hold` (5 s and 40 s of 45 s).
  std::vector<double> round_fractions = {5.0 / 45, 40.0 / 45};
  int metrics_scrapes = 10;
  int health_scrapes = 3;
  std::chrono::milliseconds scrape_limit{1000};
  /// The server process to watch; 0 when it is not on this machine.
  pid_t server_pid = 0;
  std::chrono::milliseconds sample_every{250};
  /// After the attack, how long the server gets to drop back to its baseline fds.
  std::chrono::milliseconds settle_limit{35000};
};

/// \brief Everything measured during one AttackRun.
struct AttackReport {
  std::string attack;
  int connections = 0;
  double hold_seconds = 0;
  AttackStats attacker;
  std::vector<ScrapeRound> rounds;
  /// From /proc when server_pid was given (otherwise all zero).
  bool watched = false;
  /// Idle server, after a warm-up scrape and once its fds stopped moving.
  ProcessStats baseline;
  int min_threads = 0;
  int max_threads = 0;
  double peak_rss_bytes = 0;
  int peak_fds = 0;
  /// Every sample, with its second into the attack, to tell memory that is
  /// held by connections (it falls when they close) from memory retained.
  std::vector<std::pair<double, ProcessStats>> timeline;
  /// Whether the fd count fell back to baseline within settle_limit, and when.
  bool fds_settled = false;
  double settle_seconds = 0;
  ProcessStats after;
  /// Set when the run could not start (no attack happened).
  std::string error;

  /// \brief One line of JSON with every figure above.
  std::string ToJson() const;
};

/// \brief Warms the server up, records its baseline, holds the attack while
/// running the scrape rounds and sampling /proc, stops it and waits for the
/// server's fds to settle.
AttackReport RunAttack(const AttackRun& run);

/// \brief A child process serving metrics (examples/metrics_server or any
/// program that prints "serving metrics at <url>" on stdout once bound).
class ServerProcess {
 public:
  /// \brief Starts `binary` with `args` and waits up to `wait` for the
  /// address line; nullptr (with `error`) if it exits or stays silent.
  static std::unique_ptr<ServerProcess> Start(const std::string& binary,
                                              const std::vector<std::string>& args,
                                              std::chrono::milliseconds wait, std::string* error);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  /// \brief The address it printed, e.g. "http://localhost:PORT/metrics".
  const std::string& url() const { return url_; }

  /// \brief SIGTERM, then waits up to `wait` (SIGKILL after it); the exit
  /// code, or -1 when it had to be killed or died of a signal.
  int Stop(std::chrono::milliseconds wait);

 private:
  ServerProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  int port_ = 0;
  std::string url_;
};

}  // namespace semstreams::metric::testing
