#include "server/listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <cerrno>
#include <utility>

#include "server/session.h"

namespace semstreams::metric::detail {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::milliseconds kFirstBackoff{5};
constexpr std::chrono::milliseconds kLongestBackoff{1000};

// The errors after which another accept() would fail the same way at once:
// out of descriptors or kernel memory. Anything else concerns one connection.
bool OutOfResources(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int code = ec.value();
  return code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM;
}

}  // namespace

Listener::Listener(asio::io_context& io, asio::ip::tcp::acceptor acceptor, asio::ssl::context* tls,
                   ServerContext& context)
    : io_(io),
      acceptor_(std::move(acceptor)),
      backoff_timer_(acceptor_.get_executor()),
      tls_(tls),
      context_(context) {}

void Listener::Run() { Accept(); }

void Listener::Close() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->backoff_timer_.cancel();
    self->acceptor_.close(ignored);
  });
}

void Listener::Accept() {
  acceptor_.async_accept(asio::make_strand(io_),
                         [self = shared_from_this()](const boost::system::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
                           self->OnAccept(ec, std::move(socket));
                         });
}

void Listener::OnAccept(const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec && OutOfResources(ec)) {
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kLongestBackoff);
    backoff_timer_.expires_after(backoff_);
    backoff_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wait) {
      if (!wait) self->Accept();
    });
    return;
  }
  if (!ec) {
    backoff_ = std::chrono::milliseconds{0};
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (tls_ != nullptr) {
      StartHttpsSession(std::move(socket), *tls_, context_);
    } else {
      StartHttpSession(std::move(socket), context_);
    }
  }
  Accept();
}

}  // namespace semstreams::metric::detail
