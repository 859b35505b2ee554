#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "server/server_context.h"

namespace semstreams::metric::detail {

/// \brief Serves HTTP/1.1 on an accepted socket until the client leaves, a
/// deadline passes or the server stops: keep-alive, pipelined requests
/// answered in order, the routes of MetricsServer. `socket` must run on a
/// strand of its own.
void StartHttpSession(boost::asio::ip::tcp::socket socket, ServerContext& context);

/// \brief The same over TLS: the handshake first, within its deadline.
void StartHttpsSession(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                       ServerContext& context);

}  // namespace semstreams::metric::detail
