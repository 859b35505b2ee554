#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "server/server_context.h"

namespace semstreams::metric::detail {

/// \brief Accepts connections and starts a session on a strand of its own for
/// each. When the process is out of descriptors (EMFILE, ENFILE) it backs off
/// as Go's net/http does, 5 ms doubling to 1 s, and recovers by itself; other
/// sockets of the process are never touched.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  /// \brief `acceptor` is open and listening; `tls` null for plain HTTP.
  Listener(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor acceptor,
           boost::asio::ssl::context* tls, ServerContext& context);

  /// \brief Starts accepting.
  void Run();
  /// \brief Stops accepting and closes the listening socket; from any thread.
  void Close();

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};
  boost::asio::ssl::context* tls_;
  ServerContext& context_;
};

}  // namespace semstreams::metric::detail
