#pragma once

/// \file
/// \brief A scripted HTTP/1.1 receiver on a loopback port, for testing
/// clients (the remote writer) against answers a real receiver does not give
/// on demand: errors, Retry-After, slow or no answers.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace semstreams::metric::testing {

/// \brief Orders header names as HTTP compares them: without regard to case.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

/// \brief One answer of the receiver. Every field has an initialiser, so
/// designated initialisers may skip any.
struct StubResponse {
  int status = 204;
  /// Sent as given, after Content-Length; "Connection: close" also closes the
  /// connection after the answer.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  /// How long the receiver holds the request before answering.
  std::chrono::milliseconds delay{0};
  /// Holds the request until the client gives up (delay is ignored).
  bool never_answer = false;
};

/// \brief One request as the receiver read it.
struct StubRequest {
  std::string method, target, version;
  /// A header sent more than once has its values joined with ", ", so a
  /// duplicate shows.
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  /// After de-chunking, when the request was chunked.
  std::string body;
  /// 1 for the first connection accepted, 2 for the next, ...
  int connection = 0;
  /// When the whole request (head and body) had been read.
  std::chrono::steady_clock::time_point arrived;
  /// Just before the answer was written; empty while unanswered. A client
  /// cannot have read the answer before this.
  std::optional<std::chrono::steady_clock::time_point> answered;
  int status = 0;  ///< of the answer given or due

  /// The header's value, or "" when it was not sent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const { return headers.find(name) != headers.end(); }
};

/// \brief An HTTP/1.1 server on 127.0.0.1 at a port of the kernel's choosing,
/// served by one thread of its own (so a test counting its process's threads
/// sees a constant number from this). It answers requests in order from a
/// script, then with a default answer (204 unless set), keeps connections
/// alive, reads Content-Length and chunked bodies and answers
/// "Expect: 100-continue". The destructor closes every socket and joins.
class StubReceiver {
 public:
  StubReceiver();
  ~StubReceiver();
  StubReceiver(const StubReceiver&) = delete;
  StubReceiver& operator=(const StubReceiver&) = delete;

  /// \brief False when the socket or the thread could not be set up.
  bool ok() const { return thread_.joinable(); }
  int port() const { return port_; }
  /// \brief "http://127.0.0.1:<port>" followed by `path`.
  std::string Url(std::string_view path = "/api/v1/write") const;

  /// \brief Appends answers to the script; each request takes the next.
  void Script(std::vector<StubResponse> responses);
  /// \brief The answer once the script ran out.
  void SetDefault(StubResponse response);
  /// \brief Holds every request that arrives from now on unanswered.
  void SetNeverAnswer(bool never);

  /// \brief Every request read so far, in arrival order.
  std::vector<StubRequest> Requests() const;
  std::size_t RequestCount() const;
  /// \brief Connections accepted so far.
  std::size_t Connections() const;
  /// \brief The most requests that were read but not yet answered at once,
  /// over all connections.
  std::size_t MaxPending() const;

  /// \brief Waits until `n` requests arrived; false when `timeout` passed first.
  bool WaitForRequests(std::size_t n, std::chrono::milliseconds timeout) const;
  /// \brief Waits until `n` requests were answered; false when `timeout`
  /// passed first.
  bool WaitForAnswers(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Connection;

  void Run();
  void Accept(std::vector<Connection>& connections);
  // Reads what is there; false when the peer closed or failed.
  static bool Receive(Connection& connection);
  // Sends what is queued; false on a failed socket.
  static bool Flush(Connection& connection);
  // Parses requests, answers those that are due; false to close the connection.
  bool Advance(Connection& connection, std::chrono::steady_clock::time_point now);
  // One whole request from the front of `in`: 1 parsed, 0 incomplete, -1 malformed.
  static int Parse(Connection& connection, StubRequest& request);
  void Answer(Connection& connection);
  void Abandon(const Connection& connection);

  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor's knock
  int port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<StubResponse> script_;
  StubResponse default_;
  bool never_answer_ = false;
  bool stop_ = false;
  std::vector<StubRequest> requests_;
  std::size_t answered_ = 0;
  std::size_t accepted_ = 0;
  std::size_t pending_ = 0;
  std::size_t max_pending_ = 0;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace semstreams::metric::testing
