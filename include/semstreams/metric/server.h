#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/status.h"
#include "semstreams/security/config.h"

namespace semstreams::metric {

/// \brief How a MetricsServer listens.
struct ServerOptions {
  /// Address to bind, e.g. "0.0.0.0", "127.0.0.1" or "[::1]".
  std::string bind_address = "0.0.0.0";
  /// TCP port; 0 means any free port (read it back with Port()).
  int port = 0;
  /// Path of the Prometheus endpoint.
  std::string path = "/metrics";
  /// civetweb worker threads: connections served at once. A client that is
  /// slow to send its request holds one for up to request_timeout, so keep
  /// this well above the number of scrapers plus misbehaving clients.
  int threads = 32;
  /// How long a client may take to send a request or read a response.
  std::chrono::milliseconds request_timeout{10000};
  /// TLS and mTLS settings; plain HTTP when security.tls.server.enabled is false.
  security::Config security;
  /// Answer scrapers that ask for OpenMetrics (Prometheus does) in
  /// OpenMetrics 1.0, exemplars included; when false, always the text format.
  bool enable_openmetrics = true;
  /// Write OpenMetrics `_created` samples for counters and histograms.
  bool openmetrics_created = false;
};

/// \brief The HTTP side of the metrics package (Go's metric.Server): serves
/// the registry in the Prometheus text format at the metrics path, a JSON
/// health check at /health and an HTML index at /; anything else is 404.
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
  /// kAlreadyRunning, kNilRegistry, kBindFailed (naming the address), kTlsConfig.
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
