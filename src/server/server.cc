#include "semstreams/metric/server.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exposition/exposition.h"
#include "prometheus/exposer.h"
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

// What the request callback needs. Built before civetweb starts and never
// changed while it runs, so worker threads read it without locking.
struct Routes {
  std::shared_ptr<MetricsRegistry> registry;
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

std::map<const mg_context*, const Routes*>& RoutesByContext() {
  static auto* routes = new std::map<const mg_context*, const Routes*>();
  return *routes;
}

const Routes* FindRoutes(const mg_connection* conn) {
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

// Every response says "Connection: close": keep-alive is off (see
// CivetOptions), and a client not told so would reuse a closed connection.
int Reply(mg_connection* conn, int status, const char* reason, const char* content_type,
          const std::string& body, const char* extra_headers = "") {
  const mg_request_info* info = mg_get_request_info(conn);
  const bool head = info != nullptr && info->request_method != nullptr &&
                    std::string_view(info->request_method) == "HEAD";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\n"
            "Content-Type: %s\r\n"
            "Content-Length: %zu\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "%s"
            "\r\n",
            status, reason, content_type, body.size(), extra_headers);
  if (!head) mg_write(conn, body.data(), body.size());
  return status;
}

int ReplyMetrics(mg_connection* conn, const Routes& routes) try {
  const char* accept = mg_get_header(conn, "Accept");
  const char* accept_encoding = mg_get_header(conn, "Accept-Encoding");
  const detail::Exposition exposition =
      detail::Expose(*routes.registry, accept != nullptr ? accept : "",
                     accept_encoding != nullptr ? accept_encoding : "", routes.exposition);
  return Reply(conn, 200, "OK", exposition.content_type, exposition.body,
               exposition.gzipped ? "Content-Encoding: gzip\r\nVary: Accept, Accept-Encoding\r\n"
                                  : "Vary: Accept, Accept-Encoding\r\n");
} catch (const std::exception& e) {
  // Nothing may unwind into civetweb's C frames; out of memory costs one scrape.
  return Reply(conn, 500, "Internal Server Error", "text/plain; charset=utf-8",
               std::string("cannot gather metrics: ") + e.what() + "\n");
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
  const Routes* routes = FindRoutes(conn);
  if (info == nullptr || routes == nullptr) {
    return Reply(conn, 503, "Service Unavailable", "text/plain; charset=utf-8",
                 "server is starting or stopping\n");
  }
  if (!ClientAllowed(*routes, *info)) {
    return Reply(conn, 403, "Forbidden", "text/plain; charset=utf-8",
                 "client certificate not allowed\n");
  }
  const std::string_view path = info->local_uri != nullptr ? info->local_uri : "";
  switch (Resolve(*routes, path)) {
    case Route::kMetrics:
      return ReplyMetrics(conn, *routes);
    case Route::kHealth:
      return Reply(conn, 200, "OK", "application/json",
                   detail::HealthBody(std::chrono::system_clock::now()));
    case Route::kIndex:
      return Reply(conn, 200, "OK", "text/html; charset=utf-8",
                   detail::IndexPage(routes->metrics_path));
    case Route::kNotFound:
      break;
  }
  return Reply(conn, 404, "Not Found", "text/plain; charset=utf-8", "404 page not found\n");
}

// Listening TCP sockets of this process, with their ports.
std::map<int, int> ListeningSockets() {
  std::map<int, int> port_of_fd;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return port_of_fd;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    int listening = 0;
    socklen_t length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      continue;
    }
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) continue;
    if (address.ss_family == AF_INET) {
      port_of_fd[fd] = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      port_of_fd[fd] = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
  }
  closedir(dir);
  return port_of_fd;
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
  std::string ListeningPort() const;
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

std::string MetricsServer::Impl::ListeningPort() const {
  std::string spec = options_.bind_address.empty()
                         ? std::to_string(options_.port)
                         : options_.bind_address + ":" + std::to_string(options_.port);
  if (options_.security.tls.server.enabled) spec += "s";
  return spec;
}

std::vector<std::string> MetricsServer::Impl::CivetOptions() const {
  const auto timeout_ms = std::max<std::int64_t>(1, options_.request_timeout.count());
  // Keep-alive is off so an idle scraper connection never parks a worker;
  // request_timeout_ms bounds how long a client that never finishes its
  // headers (or never reads the answer) holds one.
  return {
      "listening_ports",    ListeningPort(),
      "num_threads",        std::to_string(std::max(1, options_.threads)),
      "request_timeout_ms", std::to_string(timeout_ms),
      "enable_keep_alive",  "no",
      "max_request_size",   std::to_string(kMaxRequestBytes),
      "linger_timeout_ms",  std::to_string(kLingerMs),
  };
}

Status MetricsServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exposer_ != nullptr) {
    return Status(ErrorCode::kAlreadyRunning,
                  "metrics server is already running on " + ListeningPort());
  }
  if (registry_ == nullptr) {
    return Status(ErrorCode::kNilRegistry, "metrics server has no registry");
  }
  if (options_.path.empty() || options_.path.front() != '/' || options_.path == "/" ||
      options_.path == kHealthPath) {
    return Status(ErrorCode::kInvalidArgument,
                  "metrics path \"" + options_.path +
                      "\" must start with '/' and differ from \"/\" and \"/health\"");
  }
  const auto& tls = options_.security.tls.server;
  if (tls.enabled) {
    Status status = detail::ValidateServerTls(tls);
    if (!status.ok()) return status;
    status = detail::PrepareCivetwebOpenSsl();
    if (!status.ok()) return status;
  }

  auto routes = std::make_unique<Routes>();
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

  const std::map<int, int> listening_before = ListeningSockets();
  std::unique_ptr<prometheus::Exposer> exposer;
  t_starting = routes.get();
  try {
    exposer = std::make_unique<prometheus::Exposer>(CivetOptions(), &callbacks);
  } catch (const std::exception& e) {
    t_starting = nullptr;
    ForgetRoutes(routes.get());
    if (!routes->tls_error.empty()) return Status(ErrorCode::kTlsConfig, routes->tls_error);
    std::string message = "cannot listen on " + ListeningPort() + ": " + e.what();
    if (!routes->start_log.empty()) message += " (" + routes->start_log + ")";
    return Status(ErrorCode::kBindFailed, std::move(message));
  }
  t_starting = nullptr;

  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    exposer.reset();
    ForgetRoutes(routes.get());
    return Status(ErrorCode::kBindFailed, "no port bound for " + ListeningPort());
  }
  bound_port_ = ports.front();
  listening_fds_.clear();
  for (const auto& [fd, port] : ListeningSockets()) {
    auto before = listening_before.find(fd);
    const bool new_listener = before == listening_before.end() || before->second != port;
    if (new_listener && port == bound_port_) listening_fds_.push_back(fd);
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
  for (int fd : listening_fds_) shutdown(fd, SHUT_RDWR);
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
