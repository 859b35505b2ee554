#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "semstreams/metric/scrape_handler.h"
#include "semstreams/metric/server.h"
#include "server/basic_auth.h"
#include "server/connection_set.h"

namespace semstreams::metric::detail {

/// \brief Go's http.Server deadlines, resolved from ServerOptions.
struct Deadlines {
  std::chrono::milliseconds read_header;
  std::chrono::milliseconds idle;
  std::chrono::milliseconds write;
  std::chrono::milliseconds tls_handshake;
};

/// \brief What every connection of one running server reads. Built before the
/// first accept and destroyed after the last connection; the parts that change
/// synchronise themselves.
struct ServerContext {
  ServerContext(const ServerOptions& options, std::shared_ptr<const MetricsRegistry> registry,
                Deadlines deadlines, std::size_t write_budget,
                boost::asio::thread_pool::executor_type workers);

  const std::string metrics_path;
  const Deadlines deadlines;
  /// Added to every response, refusals too (as exporter-toolkit does).
  const std::vector<std::pair<std::string, std::string>> response_headers;
  /// Common names a client certificate must carry; empty: any the CAs signed.
  const std::vector<std::string> allowed_client_cns;
  const ScrapeHandler scrapes;
  BasicAuth auth;
  ConnectionSet connections;
  /// Builds expositions and checks bcrypt hashes, so that the I/O threads
  /// only move bytes and a slow scrape never delays /health. A job holds its
  /// connection alive until it has posted its result back.
  const boost::asio::thread_pool::executor_type workers;
};

}  // namespace semstreams::metric::detail
