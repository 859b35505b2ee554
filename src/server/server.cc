#include "semstreams/metric/server.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/bind_address.h"
#include "server/listener.h"
#include "server/response_head.h"
#include "server/server_context.h"
#include "server/tls.h"

namespace semstreams::metric {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr int kGoDefaultPort = 9090;
constexpr const char* kDefaultPath = "/metrics";
// Bytes of responses that may wait on clients at once (see ConnectionSet):
// a few dozen 10,000-series bodies, so slow readers cannot hold more.
constexpr std::size_t kWriteBudgetBytes = 32u << 20;
constexpr std::chrono::milliseconds kDefaultReadHeaderTimeout{10000};

// Workers build expositions: each holds a snapshot and its text (megabytes at
// 10,000 series), so building more at once than there are cores only
// multiplies that memory without answering sooner.
int WorkerThreads() { return static_cast<int>(std::max(2u, std::thread::hardware_concurrency())); }

std::chrono::milliseconds AtLeastOneMs(std::chrono::milliseconds d) {
  return std::max(d, std::chrono::milliseconds{1});
}

// request_timeout is the older name of read_header_timeout: whichever was
// changed from the default is in force.
detail::Deadlines DeadlinesOf(const ServerOptions& options) {
  const auto read_header = options.read_header_timeout != kDefaultReadHeaderTimeout
                               ? options.read_header_timeout
                               : options.request_timeout;
  return {AtLeastOneMs(read_header), AtLeastOneMs(options.idle_timeout),
          AtLeastOneMs(options.write_timeout), AtLeastOneMs(options.tls_handshake_timeout)};
}

HandlerOptions HandlerOptionsOf(const ServerOptions& options) {
  HandlerOptions handler;
  handler.enable_openmetrics = options.enable_openmetrics;
  handler.openmetrics_created = options.openmetrics_created;
  handler.max_requests_in_flight = options.max_requests_in_flight;
  handler.timeout = options.scrape_timeout;
  return handler;
}

bool IsWildcard(const std::string& address) {
  return address.empty() || address == "0.0.0.0" || address == "[::]" || address == "::";
}

std::string Unbracketed(const std::string& address) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    return address.substr(1, address.size() - 2);
  }
  return address;
}

}  // namespace

namespace detail {

ServerContext::ServerContext(const ServerOptions& options,
                             std::shared_ptr<const MetricsRegistry> registry, Deadlines d,
                             std::size_t write_budget,
                             boost::asio::thread_pool::executor_type worker_executor)
    : metrics_path(options.path),
      deadlines(d),
      response_headers(options.response_headers.begin(), options.response_headers.end()),
      allowed_client_cns(options.security.tls.server.enabled &&
                                 options.security.tls.server.mtls.enabled
                             ? options.security.tls.server.mtls.allowed_client_cns
                             : std::vector<std::string>{}),
      scrapes(std::move(registry), HandlerOptionsOf(options)),
      auth(options.basic_auth_users),
      connections(options.max_connections, write_budget),
      workers(std::move(worker_executor)) {}

}  // namespace detail

// One running server: its threads, sockets and connections. Made by Start()
// and torn down, in an order that leaves nothing behind, by Stop().
class RunningServer {
 public:
  RunningServer(const ServerOptions& options, std::shared_ptr<const MetricsRegistry> registry)
      : io_(std::make_unique<asio::io_context>()),
        workers_(std::make_unique<asio::thread_pool>(static_cast<std::size_t>(WorkerThreads()))),
        context_(std::make_unique<detail::ServerContext>(options, std::move(registry),
                                                         DeadlinesOf(options), kWriteBudgetBytes,
                                                         workers_->get_executor())) {}
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;
  ~RunningServer() { TearDown(); }

  // Binds, listens and starts the I/O threads.
  Status Start(const ServerOptions& options);
  int Port() const { return port_; }

 private:
  Status Listen(const ServerOptions& options);
  void TearDown();

  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::unique_ptr<detail::ServerContext> context_;
  std::optional<asio::ssl::context> tls_;
  std::shared_ptr<detail::Listener> listener_;
  std::vector<std::thread> threads_;
  int port_ = 0;
};

Status RunningServer::Listen(const ServerOptions& options) {
  const std::string host = options.bind_address;
  const std::string where = (host.empty() ? "" : host + ":") + std::to_string(options.port);
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const auto port = static_cast<unsigned short>(options.port);
  if (host.empty() || host == "0.0.0.0") {
    endpoints.emplace_back(tcp::v4(), port);
  } else if (const auto address = asio::ip::make_address(Unbracketed(host), ec); !ec) {
    endpoints.emplace_back(address, port);
  } else {
    tcp::resolver resolver(*io_);
    for (const auto& entry : resolver.resolve(host, std::to_string(options.port), ec)) {
      endpoints.push_back(entry.endpoint());
    }
    if (ec || endpoints.empty()) {
      return Status(ErrorCode::kBindFailed, "cannot listen on " + where + ": cannot resolve \"" +
                                                host + "\"" +
                                                (ec ? ": " + ec.message() : std::string()));
    }
  }
  std::string failure;
  for (const tcp::endpoint& endpoint : endpoints) {
    tcp::acceptor acceptor(asio::make_strand(*io_));
    if (acceptor.open(endpoint.protocol(), ec) ||
        acceptor.set_option(asio::socket_base::reuse_address(true), ec)) {
      failure = ec.message();
      continue;
    }
    if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
      acceptor.set_option(asio::ip::v6_only(false), ec);  // "[::]" takes IPv4 too, as Go's ":port"
    }
    if (acceptor.bind(endpoint, ec) ||
        acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
      failure = ec.message();
      continue;
    }
    port_ = acceptor.local_endpoint(ec).port();
    listener_ = std::make_shared<detail::Listener>(*io_, std::move(acceptor),
                                                   tls_.has_value() ? &*tls_ : nullptr, *context_);
    return Status::Ok();
  }
  return Status(ErrorCode::kBindFailed, "cannot listen on " + where + ": " + failure);
}

Status RunningServer::Start(const ServerOptions& options) {
  const auto& tls = options.security.tls.server;
  if (tls.enabled) {
    tls_.emplace(asio::ssl::context::tls_server);
    if (std::string error = detail::ConfigureServerTls(tls_->native_handle(), tls);
        !error.empty()) {
      return Status(ErrorCode::kTlsConfig, std::move(error));
    }
  }
  if (Status status = Listen(options); !status.ok()) return status;
  listener_->Run();
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    threads_.emplace_back([io = io_.get()] {
      const auto work = asio::make_work_guard(*io);
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception&) {
          // A handler failed (out of memory, say): that connection is lost,
          // the server goes on.
        }
      }
    });
  }
  return Status::Ok();
}

// Connections are told to close and the I/O threads stop; workers finish the
// build they are in, and their queued jobs go with the pool. Then the
// io_context goes, and with it every session a pending handler still holds.
// Sessions are destroyed while their io_context and the context they report
// to both exist.
void RunningServer::TearDown() {
  if (listener_ != nullptr) listener_->Close();
  context_->connections.AbortAll();
  io_->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  workers_->stop();
  workers_->join();
  workers_.reset();
  listener_.reset();
  io_.reset();
  context_.reset();
}

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
  std::string HostPort(int port) const {
    return options_.bind_address.empty() ? std::to_string(port)
                                         : options_.bind_address + ":" + std::to_string(port);
  }

  const ServerOptions options_;
  const std::shared_ptr<MetricsRegistry> registry_;

  mutable std::mutex mu_;
  std::condition_variable stopped_;
  std::uint64_t generation_ = 0;  // bumped by every Stop() of a running server
  std::unique_ptr<RunningServer> running_;
};

Status MetricsServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ != nullptr) {
    return Status(ErrorCode::kAlreadyRunning,
                  "metrics server is already running on " + HostPort(running_->Port()));
  }
  if (registry_ == nullptr) {
    return Status(ErrorCode::kNilRegistry, "metrics server has no registry");
  }
  if (Status status = detail::ValidateMetricsPath(options_.path); !status.ok()) return status;
  if (Status status = detail::ValidateBindAddress(options_.bind_address, options_.port);
      !status.ok()) {
    return status;
  }
  for (const auto& [name, value] : options_.response_headers) {
    if (std::string error = detail::HeaderFieldError(name, value); !error.empty()) {
      return Status(ErrorCode::kInvalidArgument, std::move(error));
    }
  }
  if (options_.security.tls.server.enabled) {
    if (Status status = detail::ValidateServerTls(options_.security.tls.server); !status.ok()) {
      return status;
    }
  }
  auto running = std::make_unique<RunningServer>(options_, registry_);
  if (Status status = running->Start(options_); !status.ok()) return status;
  running_ = std::move(running);
  return Status::Ok();
}

Status MetricsServer::Impl::Stop() {
  {
    // Held while tearing down, so a Start() racing this one finds the port free.
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ == nullptr) return Status::Ok();
    running_.reset();
    ++generation_;
  }
  stopped_.notify_all();
  return Status::Ok();
}

void MetricsServer::Impl::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  if (running_ == nullptr) return;
  const std::uint64_t started = generation_;
  stopped_.wait(lock, [&] { return generation_ != started; });
}

int MetricsServer::Impl::Port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ != nullptr ? running_->Port() : options_.port;
}

std::string MetricsServer::Impl::Address() const {
  const std::string scheme = options_.security.tls.server.enabled ? "https" : "http";
  const std::string host = IsWildcard(options_.bind_address) ? "localhost" : options_.bind_address;
  return scheme + "://" + host + ":" + std::to_string(Port()) + options_.path;
}

bool MetricsServer::Impl::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ != nullptr;
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
