#include "semstreams/metric/server.h"

#include <CivetServer.h>
#include <civetweb.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "exposition/exposition.h"
#include "prometheus/exposer.h"
#include "server/accept_backoff.h"
#include "server/basic_auth.h"
#include "server/bind_address.h"
#include "server/build_pool.h"
#include "server/limits.h"
#include "server/listener.h"
#include "server/pages.h"
#include "server/tls.h"

namespace semstreams::metric {
namespace {

constexpr int kGoDefaultPort = 9090;
constexpr const char* kDefaultPath = "/metrics";
constexpr const char* kHealthPath = "/health";

// Large enough for any real scraper's request, small enough that a client
// sending huge headers is refused after this many bytes rather than buffered.
constexpr int kMaxRequestBytes = 16 * 1024;
// Bounds how long closing a connection may hold a worker when the peer stops
// reading (SO_LINGER plus civetweb's drain of unread input).
constexpr int kLingerMs = 500;
// The kernel caps this at net.core.somaxconn (4096 on current kernels);
// civetweb's default of 200 refuses the 201st simultaneous connect.
constexpr int kListenBacklog = 4096;
// How long a connection that has sent nothing waits in the kernel before
// civetweb sees it (see DeferAcceptUntilData).
constexpr std::chrono::seconds kIdleHold{30};
// Builder threads: expositions built at once. Each holds a snapshot and its
// text (megabytes at 10,000 series); building more at once than there are
// cores only multiplies that memory without answering sooner.
int ExpositionSlots() {
  return static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
}

// What the request callback needs. Built before civetweb starts and never
// changed while it runs, so worker threads read it without locking.
struct Routes {
  explicit Routes(const ServerOptions& options)
      : in_flight(options.max_requests_in_flight),
        builds(ExpositionSlots()),
        scrape_timeout(options.scrape_timeout),
        auth(options.basic_auth_users),
        headers(options.response_headers.begin(), options.response_headers.end()) {}

  std::shared_ptr<MetricsRegistry> registry;
  // These two synchronise themselves.
  detail::InFlightLimit in_flight;
  detail::BuildPool builds;
  std::chrono::milliseconds scrape_timeout;
  detail::BasicAuth auth;                   // synchronises itself
  std::atomic<int> scrapes_in_progress{0};  // the last one out trims the heap
  // Added to every response, the refusals too (as exporter-toolkit does).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string metrics_path;
  detail::ExpositionOptions exposition;
  bool tls = false;
  security::ServerTLSConfig tls_config;
  // Only written on the thread that constructs the Exposer, during mg_start.
  std::string tls_error;
  std::string start_log;
};

enum class Route { kMetrics, kHealth, kIndex, kNotFound };

// The one place that decides who serves a path. Every path is answered here,
// the metrics path too: our exposition is several times faster than the
// Exposer's serializer, escapes any bytes, and leaves out the Exposer's own
// exposer_* families, which the Go package does not have.
Route Resolve(const Routes& routes, std::string_view path) {
  if (path == routes.metrics_path) return Route::kMetrics;
  if (path == kHealthPath) return Route::kHealth;
  if (path == "/") return Route::kIndex;
  return Route::kNotFound;
}

// civetweb passes its callbacks no pointer of ours (the Exposer owns the
// CivetServer and its user data), so the Routes are found by context. The
// context is learnt in init_context, which civetweb calls on the thread
// that runs mg_start, before any worker thread exists.
thread_local Routes* t_starting = nullptr;

std::mutex& RoutesMutex() {
  static std::mutex mu;
  return mu;
}

std::map<const mg_context*, Routes*>& RoutesByContext() {
  static auto* routes = new std::map<const mg_context*, Routes*>();
  return *routes;
}

Routes* FindRoutes(const mg_connection* conn) {
  const mg_context* ctx = mg_get_context(conn);
  std::lock_guard<std::mutex> lock(RoutesMutex());
  auto it = RoutesByContext().find(ctx);
  return it == RoutesByContext().end() ? nullptr : it->second;
}

void ForgetRoutes(const Routes* routes) {
  std::lock_guard<std::mutex> lock(RoutesMutex());
  auto& by_context = RoutesByContext();
  for (auto it = by_context.begin(); it != by_context.end();) {
    it = it->second == routes ? by_context.erase(it) : std::next(it);
  }
}

void OnInitContext(const mg_context* ctx) {
  if (t_starting == nullptr) return;
  std::lock_guard<std::mutex> lock(RoutesMutex());
  RoutesByContext()[ctx] = t_starting;
}

int OnInitSsl(void* ssl_ctx, void* /*user_data*/) {
  if (t_starting == nullptr) return -1;
  t_starting->tls_error = detail::ConfigureServerTls(ssl_ctx, t_starting->tls_config);
  // 1 tells civetweb the context is complete: it skips its own certificate
  // and verification setup, which cannot express separate key files or a
  // TLS 1.3 floor.
  return t_starting->tls_error.empty() ? 1 : -1;
}

// Startup messages explain a failed bind; at run time civetweb would print
// every bad request and failed handshake to stderr, which a metrics
// endpoint facing scanners must not do.
int OnLogMessage(const mg_connection* /*conn*/, const char* message) {
  if (t_starting != nullptr && message != nullptr) {
    if (!t_starting->start_log.empty()) t_starting->start_log += "; ";
    t_starting->start_log += message;
  }
  return 1;
}

using Headers = std::vector<std::pair<const char*, std::string>>;  // extra response headers

// civetweb reads and throws away a request body the callback left unread
// before it closes the connection, at whatever pace the client sends it: a
// client trickling a large body would hold the worker for as long as it
// likes. None of our paths reads a body, so every connection is marked to
// close without that drain. mg_send_http_error is the one public call that
// sets the mark; after the response headers went out it writes nothing more,
// and 304 has no body of its own.
void CloseWithoutDrainingBody(mg_connection* conn) { mg_send_http_error(conn, 304, "%s", ""); }

// RFC 7231 IMF-fixdate. Written here because civetweb's own Date header uses
// gmtime(), whose static buffer two workers would share.
std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, n);
}

// Every response says "Connection: close": keep-alive is off (see
// CivetOptions), and a client not told so would reuse a closed connection.
int Reply(mg_connection* conn, const Routes* routes, int status, const char* content_type,
          const std::string& body, const Headers& extra_headers = {}) {
  const mg_request_info* info = mg_get_request_info(conn);
  const bool head = info != nullptr && info->request_method != nullptr &&
                    std::string_view(info->request_method) == "HEAD";
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", content_type, -1);
  mg_response_header_add(conn, "Content-Length", std::to_string(body.size()).c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "Connection", "close", -1);
  const std::string date = HttpDate();
  mg_response_header_add(conn, "Date", date.c_str(), -1);
  for (const auto& [name, value] : extra_headers) {
    mg_response_header_add(conn, name, value.c_str(), static_cast<int>(value.size()));
  }
  if (routes != nullptr) {
    for (const auto& [name, value] : routes->headers) {
      mg_response_header_add(conn, name.c_str(), value.c_str(), static_cast<int>(value.size()));
    }
  }
  mg_response_header_send(conn);
  if (!head) mg_write(conn, body.data(), body.size());
  CloseWithoutDrainingBody(conn);
  return status;
}

int ReplyUnavailable(mg_connection* conn, const Routes* routes, const std::string& why) {
  return Reply(conn, routes, 503, "text/plain; charset=utf-8", why + "\n");
}

bool Past(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return deadline.has_value() && std::chrono::steady_clock::now() > *deadline;
}

// What a scrape answers with: the body and the headers that describe it.
struct MetricsBody {
  const char* content_type;
  std::string bytes;
  Headers headers;
};

// What the body depends on, copied out of the request: the build runs on a
// builder thread, which must not touch the connection.
struct MetricsRequest {
  std::string accept;
  std::string accept_encoding;
};

MetricsRequest ReadMetricsRequest(mg_connection* conn) {
  const char* accept = mg_get_header(conn, "Accept");
  const char* accept_encoding = mg_get_header(conn, "Accept-Encoding");
  return {accept != nullptr ? accept : "", accept_encoding != nullptr ? accept_encoding : ""};
}

// The one place that chooses and builds the /metrics body: the format the
// scraper negotiates (see detail::Expose), gzipped when it accepts that.
MetricsBody BuildMetricsBody(const MetricsRequest& request, const MetricsRegistry& registry,
                             const detail::ExpositionOptions& options) {
  detail::Exposition exposition =
      detail::Expose(registry, request.accept, request.accept_encoding, options);
  Headers headers{{"Vary", "Accept, Accept-Encoding"}};
  if (exposition.gzipped) headers.emplace_back("Content-Encoding", "gzip");
  return {exposition.content_type, std::move(exposition.body), std::move(headers)};
}

// glibc keeps what a thread's arena freed: after a burst of scrapes the
// process held 122 MB where it idles at 10. Handing free pages back once no
// scrape is in progress keeps RSS near idle.
void ReturnFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Built on the pool (see BuildPool), written here: a client that reads
// slowly holds its own worker, never a builder.
int ReplyMetrics(mg_connection* conn, Routes* routes,
                 std::optional<std::chrono::steady_clock::time_point> deadline) {
  struct Outcome {
    std::optional<MetricsBody> body;
    std::string error;
  };
  auto outcome = std::make_shared<Outcome>();
  auto registry = routes->registry;
  const bool finished = routes->builds.Run(
      [outcome, registry, options = routes->exposition, request = ReadMetricsRequest(conn)] {
        try {
          outcome->body = BuildMetricsBody(request, *registry, options);
        } catch (const std::exception& e) {
          // Nothing may unwind into civetweb's C frames; out of memory costs one scrape.
          outcome->error = e.what();
        }
      },
      deadline);
  // Past the deadline the scraper has given up; a late body would only cost the write.
  if (!finished || Past(deadline)) {
    return ReplyUnavailable(conn, routes, "scrape deadline exceeded");
  }
  if (!outcome->body.has_value()) {
    return Reply(conn, routes, 500, "text/plain; charset=utf-8",
                 "cannot gather metrics: " + outcome->error + "\n");
  }
  return Reply(conn, routes, 200, outcome->body->content_type, outcome->body->bytes,
               outcome->body->headers);
}

// promhttp's order: the in-flight limit refuses before any work; the
// deadline then bounds the wait for a build slot and the build itself.
int ServeMetrics(mg_connection* conn, Routes* routes) {
  const auto start = std::chrono::steady_clock::now();
  if (!routes->in_flight.TryEnter()) {
    return ReplyUnavailable(conn, routes, "too many requests in flight");
  }
  routes->scrapes_in_progress.fetch_add(1, std::memory_order_acq_rel);
  const auto deadline = detail::ScrapeDeadline(
      start, routes->scrape_timeout, mg_get_header(conn, "X-Prometheus-Scrape-Timeout-Seconds"));
  const int status = ReplyMetrics(conn, routes, deadline);
  if (routes->scrapes_in_progress.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    ReturnFreedMemory();
  }
  routes->in_flight.Leave();
  return status;
}

bool ClientAllowed(const Routes& routes, const mg_request_info& info) {
  const auto& allowed = routes.tls_config.mtls.allowed_client_cns;
  if (!routes.tls || !routes.tls_config.mtls.enabled || allowed.empty()) return true;
  if (info.client_cert == nullptr) return false;
  const std::string cn = detail::PeerCommonName(info.client_cert->peer_cert);
  return !cn.empty() && std::find(allowed.begin(), allowed.end(), cn) != allowed.end();
}

int OnBeginRequest(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  Routes* routes = FindRoutes(conn);
  if (info == nullptr || routes == nullptr) {
    return Reply(conn, routes, 503, "text/plain; charset=utf-8",
                 "server is starting or stopping\n");
  }
  if (!ClientAllowed(*routes, *info)) {
    return Reply(conn, routes, 403, "text/plain; charset=utf-8",
                 "client certificate not allowed\n");
  }
  const std::string_view method = info->request_method != nullptr ? info->request_method : "";
  if (method != "GET" && method != "HEAD") {
    // Answered before anything is read or built: a POST with a body the
    // client never finishes costs nothing but this reply.
    return Reply(conn, routes, 405, "text/plain; charset=utf-8", "method not allowed\n",
                 {{"Allow", "GET, HEAD"}});
  }
  if (!routes->auth.Allows(mg_get_header(conn, "Authorization"))) {
    return Reply(conn, routes, 401, "text/plain; charset=utf-8", "Unauthorized\n",
                 {{"WWW-Authenticate", "Basic"}});
  }
  const std::string_view path = info->local_uri != nullptr ? info->local_uri : "";
  switch (Resolve(*routes, path)) {
    case Route::kMetrics:
      return ServeMetrics(conn, routes);
    case Route::kHealth:
      return Reply(conn, routes, 200, "application/json",
                   detail::HealthBody(std::chrono::system_clock::now()));
    case Route::kIndex:
      return Reply(conn, routes, 200, "text/html; charset=utf-8",
                   detail::IndexPage(routes->metrics_path));
    case Route::kNotFound:
      break;
  }
  return Reply(conn, routes, 404, "text/plain; charset=utf-8", "404 page not found\n");
}

bool IsWildcard(const std::string& address) {
  return address.empty() || address == "0.0.0.0" || address == "[::]" || address == "::";
}

}  // namespace

class MetricsServer::Impl {
 public:
  Impl(ServerOptions options, std::shared_ptr<MetricsRegistry> registry)
      : options_(std::move(options)), registry_(std::move(registry)) {}

  Status Start();
  Status Stop();
  void Wait();
  int Port() const;
  std::string Address() const;
  bool Running() const;

 private:
  // civetweb's listening_ports entry for `port`.
  std::string ListeningPort(int port) const;
  // "address:port" for messages.
  std::string HostPort(int port) const;
  std::vector<std::string> CivetOptions() const;

  const ServerOptions options_;
  const std::shared_ptr<MetricsRegistry> registry_;

  mutable std::mutex mu_;
  std::condition_variable stopped_;
  std::uint64_t generation_ = 0;  // bumped by every Stop() of a running server
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int bound_port_ = 0;
  std::vector<int> listening_fds_;  // civetweb's, see Stop()
};

std::string MetricsServer::Impl::HostPort(int port) const {
  return options_.bind_address.empty() ? std::to_string(port)
                                       : options_.bind_address + ":" + std::to_string(port);
}

std::string MetricsServer::Impl::ListeningPort(int port) const {
  return HostPort(port) + (options_.security.tls.server.enabled ? "s" : "");
}

std::vector<std::string> MetricsServer::Impl::CivetOptions() const {
  const auto timeout_ms = std::max<std::int64_t>(1, options_.request_timeout.count());
  // Keep-alive is off so an idle scraper connection never parks a worker;
  // request_timeout_ms bounds how long a client that never finishes its
  // headers (or never reads the answer) holds one.
  return {
      "listening_ports",    ListeningPort(options_.port),
      "num_threads",        std::to_string(std::max(1, options_.threads)),
      "request_timeout_ms", std::to_string(timeout_ms),
      "enable_keep_alive",  "no",
      "max_request_size",   std::to_string(kMaxRequestBytes),
      "linger_timeout_ms",  std::to_string(kLingerMs),
      "listen_backlog",     std::to_string(kListenBacklog),
  };
}

Status MetricsServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exposer_ != nullptr) {
    return Status(ErrorCode::kAlreadyRunning,
                  "metrics server is already running on " + HostPort(bound_port_));
  }
  if (registry_ == nullptr) {
    return Status(ErrorCode::kNilRegistry, "metrics server has no registry");
  }
  if (Status status = detail::ValidateMetricsPath(options_.path); !status.ok()) return status;
  if (Status status = detail::ValidateBindAddress(options_.bind_address, options_.port);
      !status.ok()) {
    return status;
  }
  const auto& tls = options_.security.tls.server;
  if (tls.enabled) {
    Status status = detail::ValidateServerTls(tls);
    if (!status.ok()) return status;
    status = detail::PrepareCivetwebOpenSsl();
    if (!status.ok()) return status;
  }

  auto routes = std::make_unique<Routes>(options_);
  routes->registry = registry_;
  routes->metrics_path = options_.path;
  routes->exposition.negotiation.openmetrics = options_.enable_openmetrics;
  routes->exposition.negotiation.protobuf = true;  // as promhttp: native histograms need it
  routes->exposition.openmetrics.created = options_.openmetrics_created;
  routes->tls = tls.enabled;
  routes->tls_config = tls;

  CivetCallbacks callbacks;
  callbacks.begin_request = OnBeginRequest;
  callbacks.init_context = OnInitContext;
  callbacks.log_message = OnLogMessage;
  if (tls.enabled) callbacks.init_ssl = OnInitSsl;

  const std::map<int, int> listening_before = detail::ListeningSockets();
  std::unique_ptr<prometheus::Exposer> exposer;
  t_starting = routes.get();
  try {
    exposer = std::make_unique<prometheus::Exposer>(CivetOptions(), &callbacks);
  } catch (const std::exception& e) {
    t_starting = nullptr;
    ForgetRoutes(routes.get());
    if (!routes->tls_error.empty()) return Status(ErrorCode::kTlsConfig, routes->tls_error);
    std::string message = "cannot listen on " + HostPort(options_.port) + ": " + e.what();
    if (!routes->start_log.empty()) message += " (" + routes->start_log + ")";
    return Status(ErrorCode::kBindFailed, std::move(message));
  }
  t_starting = nullptr;

  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    exposer.reset();
    ForgetRoutes(routes.get());
    return Status(ErrorCode::kBindFailed, "no port bound for " + HostPort(options_.port));
  }
  bound_port_ = ports.front();
  listening_fds_ = detail::NewListeners(listening_before, detail::ListeningSockets(), bound_port_);
  for (int fd : listening_fds_) {
    detail::DeferAcceptUntilData(fd, kIdleHold);
    detail::WatchListener(fd);
  }
  routes_ = std::move(routes);
  exposer_ = std::move(exposer);
  return Status::Ok();
}

Status MetricsServer::Impl::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exposer_ == nullptr) return Status::Ok();
  // civetweb's accept loop only looks at its stop flag between polls of the
  // listening socket, which time out every 2 s; shutting that socket down
  // first wakes the poll, so Stop() takes milliseconds instead of seconds.
  for (int fd : listening_fds_) {
    detail::UnwatchListener(fd);
    shutdown(fd, SHUT_RDWR);
  }
  listening_fds_.clear();
  // Destroying the Exposer joins civetweb's threads, so no request callback
  // can still be reading routes_ once it returns.
  exposer_.reset();
  ForgetRoutes(routes_.get());
  routes_.reset();
  bound_port_ = 0;
  ++generation_;
  stopped_.notify_all();
  return Status::Ok();
}

void MetricsServer::Impl::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  if (exposer_ == nullptr) return;
  const std::uint64_t started = generation_;
  stopped_.wait(lock, [&] { return generation_ != started; });
}

int MetricsServer::Impl::Port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exposer_ != nullptr ? bound_port_ : options_.port;
}

std::string MetricsServer::Impl::Address() const {
  const std::string scheme = options_.security.tls.server.enabled ? "https" : "http";
  const std::string host = IsWildcard(options_.bind_address) ? "localhost" : options_.bind_address;
  return scheme + "://" + host + ":" + std::to_string(Port()) + options_.path;
}

bool MetricsServer::Impl::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exposer_ != nullptr;
}

namespace {

ServerOptions GoDefaults(int port, std::string path, security::Config security) {
  ServerOptions options;
  options.port = port == 0 ? kGoDefaultPort : port;
  options.path = path.empty() ? kDefaultPath : std::move(path);
  options.security = std::move(security);
  return options;
}

}  // namespace

MetricsServer::MetricsServer(int port, std::string path, std::shared_ptr<MetricsRegistry> registry,
                             security::Config security)
    : impl_(std::make_unique<Impl>(GoDefaults(port, std::move(path), std::move(security)),
                                   std::move(registry))) {}

MetricsServer::MetricsServer(ServerOptions options, std::shared_ptr<MetricsRegistry> registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(registry))) {}

MetricsServer::~MetricsServer() { (void)impl_->Stop(); }

Status MetricsServer::Start() { return impl_->Start(); }
Status MetricsServer::Stop() { return impl_->Stop(); }
void MetricsServer::Wait() { impl_->Wait(); }
int MetricsServer::Port() const { return impl_->Port(); }
std::string MetricsServer::Address() const { return impl_->Address(); }
bool MetricsServer::Running() const { return impl_->Running(); }

}  // namespace semstreams::metric
