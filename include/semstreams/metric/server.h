#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/status.h"
#include "semstreams/security/config.h"

namespace semstreams::metric {

/// \brief How a MetricsServer listens.
struct ServerOptions {
  /// Address to bind: an IPv4 literal ("0.0.0.0", "127.0.0.1"), a bracketed
  /// IPv6 literal ("[::1]"; "[::]" takes IPv4 too), or a host name. Anything
  /// else is kInvalidArgument.
  std::string bind_address = "0.0.0.0";
  /// TCP port; 0 means any free port (read it back with Port()).
  int port = 0;
  /// Path of the Prometheus endpoint.
  std::string path = "/metrics";
  /// I/O threads. A connection costs a socket and a small state object,
  /// never a thread; expositions are built on a separate, fixed pool.
  int threads = 2;
  /// The older name of read_header_timeout; whichever differs from 10 s is in force.
  std::chrono::milliseconds request_timeout{10000};
  /// Most metrics-path requests served at once (promhttp's MaxRequestsInFlight);
  /// a request over it gets 503 at once. 0 means no limit.
  int max_requests_in_flight = 0;
  /// Longest a scrape may take (promhttp's Timeout); a scraper's shorter
  /// X-Prometheus-Scrape-Timeout-Seconds wins. A scrape past its deadline gets
  /// 503 instead of a late body. 0 means only the scraper's header bounds it.
  std::chrono::milliseconds scrape_timeout{0};
  /// TLS and mTLS settings; plain HTTP when security.tls.server.enabled is false.
  security::Config security;
  /// HTTP basic auth users: name to bcrypt hash ("$2y$...", as htpasswd -B
  /// writes). Empty means no authentication. Every path then needs a user.
  std::map<std::string, std::string> basic_auth_users;
  /// Headers added to every response (exporter-toolkit's http_server_config.headers).
  std::map<std::string, std::string> response_headers;
  /// Answer scrapers that ask for OpenMetrics (Prometheus does) in
  /// OpenMetrics 1.0, exemplars included; when false, always the text format.
  bool enable_openmetrics = true;
  /// Write OpenMetrics `_created` samples for counters and histograms.
  bool openmetrics_created = false;
  /// How long a client may take to send a request line and headers, from its
  /// first byte (Go's ReadHeaderTimeout).
  std::chrono::milliseconds read_header_timeout{10000};
  /// How long a kept-alive connection may wait for its next request (Go's IdleTimeout).
  std::chrono::milliseconds idle_timeout{120000};
  /// How long a client may take to read a response (Go's WriteTimeout).
  std::chrono::milliseconds write_timeout{30000};
  /// How long a TLS client may take to complete its handshake.
  std::chrono::milliseconds tls_handshake_timeout{10000};
  /// Most connections open at once; a new one over it closes the connection
  /// idle the longest, or is itself closed when none is idle. 0: no limit.
  int max_connections = 0;
};

/// \brief The HTTP side of the metrics package (Go's metric.Server): serves
/// the registry at the metrics path (through a ScrapeHandler: the format the
/// scraper negotiates), a JSON health check at /health and an HTML index at
/// /; anything else is 404. HTTP/1.1 with keep-alive and pipelining, on
/// Boost.Asio: a fixed number of threads whatever the number of connections.
///
/// Start() returns once the port is bound; Stop() may be followed by Start()
/// again. The class is thread-safe. No concurrent call to any API of this type
/// causes a data race.
class MetricsServer {
 public:
  /// \brief Go's NewServer: port 0 means 9090, an empty path means /metrics.
  MetricsServer(int port, std::string path, std::shared_ptr<MetricsRegistry> registry,
                security::Config security = {});
  /// \brief A server with every option spelled out; port 0 means any free port.
  MetricsServer(ServerOptions options, std::shared_ptr<MetricsRegistry> registry);
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  /// \brief Stops the server if it is running.
  ~MetricsServer();

  /// \brief Binds and starts serving; returns once serving or with the error:
  /// kAlreadyRunning, kNilRegistry, kInvalidArgument (address, port or path),
  /// kBindFailed (naming the address), kTlsConfig.
  Status Start();
  /// \brief Stops serving and releases the port; a no-op when not running.
  Status Stop();
  /// \brief Blocks until Stop() is called (from another thread or a signal
  /// handler's helper thread); returns at once when not running.
  void Wait();
  /// \brief The bound port while running, else the configured one.
  int Port() const;
  /// \brief The metrics URL, e.g. "http://localhost:9090/metrics" ("https" with TLS).
  std::string Address() const;
  /// \brief True between a successful Start() and Stop().
  bool Running() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace semstreams::metric
