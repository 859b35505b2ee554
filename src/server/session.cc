#include "server/session.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstddef>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "exposition/limits.h"
#include "server/pages.h"
#include "server/request_target.h"
#include "server/response_body.h"
#include "server/response_head.h"
#include "server/tls.h"

namespace semstreams::metric::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Request line and headers together. Real scrapers send a few hundred bytes;
// Go allows 1 MB, but a metrics endpoint has no use for more than this.
constexpr std::size_t kMaxHeaderBytes = std::size_t{16} * 1024;
// What one connection may have read ahead: the header limit plus pipelined
// requests behind it. A client that pipelines more is closed.
constexpr std::size_t kMaxBufferedBytes = std::size_t{64} * 1024;
constexpr std::size_t kReadChunk = std::size_t{4} * 1024;
// After a response that ends the connection the server stops sending and
// reads what the client still sends for at most this long (or this much)
// before closing: closing with unread input makes the kernel send a reset,
// which can destroy the response before the client reads it.
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kLingerBytes = std::size_t{64} * 1024;

constexpr const char* kTextPlain = "text/plain; charset=utf-8";

// A response before it is framed: what a route or the scrape handler answers.
struct Answer {
  Answer(int s, std::vector<std::pair<std::string, std::string>> h, std::string b)
      : status(s), headers(std::move(h)), body(std::move(b)) {}
  explicit Answer(ScrapeResponse response)
      : Answer(response.status, std::move(response.headers), std::move(response.body)) {}

  int status;
  std::vector<std::pair<std::string, std::string>> headers;
  ResponseBody body;
};

Answer Plain(int status, std::string text, const char* allow = nullptr) {
  Answer answer{status, {{"Content-Type", kTextPlain}}, std::move(text) + "\n"};
  if (allow != nullptr) answer.headers.emplace_back("Allow", allow);
  return answer;
}

// Text that changes once a second (the Date header, the /health body), made
// once per second per connection rather than once per request.
class PerSecond {
 public:
  template <class Make>
  const std::string& Get(std::time_t now, Make make) {
    if (now != second_) {
      text_ = make(now);
      second_ = now;
    }
    return text_;
  }

 private:
  std::time_t second_ = -1;
  std::string text_;
};

// RFC 9110 IMF-fixdate.
std::string HttpDate(std::time_t now) {
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, n);
}

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // `tls` is used, and must be set, when kTls.
  Session(ServerContext& context, asio::ip::tcp::socket socket, asio::ssl::context* tls)
      : context_(context),
        executor_(socket.get_executor()),
        tls_(tls),
        buffer_(kMaxBufferedBytes),
        timer_(executor_) {
    if constexpr (kTls) {
      silent_.emplace(std::move(socket));
    } else {
      stream_.emplace(std::move(socket));
    }
  }

  ~Session() override {
    if (registered_) context_.connections.Remove(handle_);
  }

  void Run() {
    if (!context_.connections.Add(this->shared_from_this(), handle_)) {
      // At max_connections with no idle connection to close: refuse this one.
      Close();
      return;
    }
    registered_ = true;
    asio::dispatch(executor_, [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->AwaitClientHello();
      } else {
        self->ReadRequest();
      }
    });
  }

  void Abort() override {
    asio::post(executor_, [self = this->shared_from_this()] { self->Close(CloseHow::kReset); });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(*stream_); }

  // A TLS stream costs tens of kilobytes of buffers before its first byte,
  // so a client that connects and says nothing gets none: the stream is made
  // once the ClientHello starts to arrive. The handshake deadline runs from
  // the connect all the same.
  void AwaitClientHello() {
    handshake_deadline_ = std::chrono::steady_clock::now() + context_.deadlines.tls_handshake;
    timer_.expires_at(handshake_deadline_);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec && !self->stream_.has_value()) self->Close();
    });
    silent_->async_wait(asio::ip::tcp::socket::wait_read,
                        [self = this->shared_from_this()](beast::error_code ec) {
                          self->timer_.cancel();
                          if (ec || self->closed_) return self->Close();
                          self->stream_.emplace(std::move(*self->silent_), *self->tls_);
                          self->silent_.reset();
                          // OpenSSL's record buffers go back while the connection is idle.
                          SSL_set_mode(self->stream_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
                          self->Handshake();
                        });
  }

  void Handshake() {
    Lowest().expires_at(handshake_deadline_);
    stream_->async_handshake(asio::ssl::stream_base::server,
                             [self = this->shared_from_this()](beast::error_code ec) {
                               if (ec) return self->Close();
                               self->ReadRequest();
                             });
  }

  // Go's model: a kept-alive connection may wait idle_timeout for the first
  // byte of its next request; from then on, read_header_timeout bounds the
  // request line and headers.
  void ReadRequest() {
    ConnectionSet::Enter(handle_, ConnectionSet::Phase::kIdle);
    if (buffer_.size() > 0 || served_ == 0) return ReadHeader();
    Lowest().expires_after(context_.deadlines.idle);
    stream_->async_read_some(buffer_.prepare(kReadChunk), [self = this->shared_from_this()](
                                                              beast::error_code ec, std::size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    Lowest().expires_after(context_.deadlines.read_header);
    http::async_read_header(*stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      // The parser keeps the target once the request line is whole: without
      // one, the request line alone was over the limit.
      return Refuse(parser_->get().target().empty()
                        ? Plain(414, "request URI too long")
                        : Plain(431, "request header fields too large"));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Refuse(Plain(400, "bad request"));
    }
    if (ec) return Close();  // timeout, reset, or the server is stopping
    Handle();
  }

  void Handle() {
    const auto& request = parser_->get();
    ++served_;
    ConnectionSet::Enter(handle_, ConnectionSet::Phase::kBusy);
    version_ = request.version();
    head_ = request.method() == http::verb::head;
    // A body is never read: a request that has one ends its connection.
    keep_alive_ = request.keep_alive() && parser_->is_done();
    if (!ClientAllowed()) return Respond(Plain(403, "client certificate not allowed"));
    if (request.method() == http::verb::options && request.target() == "*") {
      return Respond(Answer{200, {{"Allow", "GET, HEAD, OPTIONS"}}, {}});
    }
    if (request.method() != http::verb::get && !head_) {
      // Answered before anything is read or built: a POST whose body never
      // arrives costs nothing but this reply.
      return Respond(Plain(405, "method not allowed", "GET, HEAD"));
    }
    std::optional<std::string> path = RequestPath(request.target());
    if (!path.has_value()) return Refuse(Plain(400, "bad request target"));
    const std::string_view authorization = request[http::field::authorization];
    if (std::optional<bool> allowed = context_.auth.Quick(authorization)) {
      return *allowed ? Route(*path) : Unauthorized();
    }
    // bcrypt takes tens of milliseconds on purpose: never on an I/O thread.
    asio::post(context_.workers,
               [self = this->shared_from_this(), header = std::string(authorization),
                path = std::move(*path)]() mutable {
                 const bool allowed = self->context_.auth.Allows(header);
                 asio::post(self->executor_, [self, allowed, path = std::move(path)] {
                   if (self->closed_) return;
                   allowed ? self->Route(path) : self->Unauthorized();
                 });
               });
  }

  bool ClientAllowed() {
    if constexpr (kTls) {
      const auto& allowed = context_.allowed_client_cns;
      if (allowed.empty()) return true;
      const std::string name = ClientCommonName(stream_->native_handle());
      return !name.empty() && std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    } else {
      return true;
    }
  }

  void Unauthorized() {
    Answer answer = Plain(401, "Unauthorized");
    answer.headers.emplace_back("WWW-Authenticate", "Basic");
    Respond(std::move(answer));
  }

  void Route(const std::string& path) {
    if (path == context_.metrics_path) return Scrape();
    if (path == "/health") {
      const std::string& body = health_.Get(std::time(nullptr), [](std::time_t now) {
        return HealthBody(std::chrono::system_clock::from_time_t(now));
      });
      return Respond(Answer{200, {{"Content-Type", "application/json"}}, body});
    }
    if (path == "/") {
      return Respond(Answer{
          200, {{"Content-Type", "text/html; charset=utf-8"}}, IndexPage(context_.metrics_path)});
    }
    Respond(Plain(404, "404 page not found"));
  }

  // The exposition is built on a worker; the deadline is kept here, so a
  // scraper hears 503 when its time is up however long the build takes.
  void Scrape() {
    const auto& request = parser_->get();
    ScrapeRequest scrape{head_ ? "HEAD" : "GET", std::string(request[http::field::accept]),
                         std::string(request[http::field::accept_encoding]),
                         std::string(request["X-Prometheus-Scrape-Timeout-Seconds"])};
    const auto deadline =
        ScrapeDeadline(std::chrono::steady_clock::now(), context_.scrapes.Options().timeout,
                       scrape.scrape_timeout_seconds.c_str());
    const std::uint64_t id = ++scrapes_;
    awaiting_scrape_ = true;
    if (deadline.has_value()) {
      timer_.expires_at(*deadline);
      timer_.async_wait([self = this->shared_from_this(), id](beast::error_code ec) {
        if (ec || !self->awaiting_scrape_ || self->scrapes_ != id) return;
        self->awaiting_scrape_ = false;
        self->Respond(Plain(503, "scrape deadline exceeded"));
      });
    }
    asio::post(context_.workers,
               [self = this->shared_from_this(), scrape = std::move(scrape), deadline, id] {
                 // Past the deadline the timer has answered: skip the build.
                 if (deadline.has_value() && std::chrono::steady_clock::now() > *deadline) return;
                 // Framed here, off the I/O threads: a large body is copied to pages of its own.
                 auto answer = std::make_shared<Answer>(self->context_.scrapes.Serve(scrape));
                 asio::post(self->executor_, [self, id, answer] {
                   if (!self->awaiting_scrape_ || self->scrapes_ != id) return;
                   self->awaiting_scrape_ = false;
                   self->timer_.cancel();
                   self->Respond(std::move(*answer));
                 });
               });
  }

  // Answers and ends the connection: the request could not be read whole.
  void Refuse(Answer answer) {
    keep_alive_ = false;
    head_ = false;
    Respond(std::move(answer));
  }

  // The head is written by hand: Beast's serializer spent more than the
  // rest of a /health request on assembling its buffer sequences.
  void Respond(Answer answer) {
    if (closed_) return;
    Framing framing;
    framing.version = version_;
    framing.status = answer.status;
    framing.keep_alive = keep_alive_;
    // HEAD: what a GET would get, without the body.
    framing.content_length = answer.body.size();
    framing.date = date_.Get(std::time(nullptr), HttpDate);
    head_text_ = ResponseHead(framing, answer.headers, context_.response_headers);
    body_ = head_ ? ResponseBody() : std::move(answer.body);
    counted_write_ = context_.connections.StartWrite(handle_, body_.size());
    Lowest().expires_after(context_.deadlines.write);
    // Not a std::array: asio's two-buffer write would hand Beast's TLS stream
    // the spent head as an empty first buffer, which it answers by writing
    // nothing, and the write would end there without the body.
    std::vector<asio::const_buffer> buffers{asio::buffer(head_text_)};
    if (body_.size() > 0) buffers.emplace_back(body_.data(), body_.size());
    asio::async_write(*stream_, buffers,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnWritten(ec);
                      });
  }

  void OnWritten(beast::error_code ec) {
    // The body's memory goes back now, not with the connection.
    head_text_ = std::string();
    body_ = {};
    if (counted_write_) context_.connections.EndWrite(handle_);
    counted_write_ = false;
    if (ec == beast::error::timeout) return Close(CloseHow::kReset);
    if (ec) return Close();
    if (!keep_alive_) return Linger();
    ReadRequest();
  }

  void Linger() {
    beast::error_code ignored;
    Lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(kLingerTime);
    buffer_.clear();
    DrainInput(0);
  }

  void DrainInput(std::size_t drained) {
    if (drained >= kLingerBytes) return Close();
    Lowest().async_read_some(
        buffer_.prepare(kReadChunk),
        [self = this->shared_from_this(), drained](beast::error_code ec, std::size_t n) {
          if (ec) return self->Close();
          self->buffer_.clear();
          self->DrainInput(drained + n);
        });
  }

  enum class CloseHow {
    kOrderly,
    // For a client that stopped reading: what the kernel still holds for it
    // is dropped at once instead of lingering, and the client learns so.
    kReset,
  };

  void Close(CloseHow how = CloseHow::kOrderly) {
    if (closed_) return;
    closed_ = true;
    awaiting_scrape_ = false;
    timer_.cancel();
    beast::error_code ignored;
    if (!stream_.has_value()) {  // a TLS client that never said anything
      if (silent_.has_value()) silent_->close(ignored);
      return;
    }
    auto& socket = Lowest().socket();
    if (how == CloseHow::kReset) {
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
    } else {
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }
    socket.close(ignored);
  }

  ServerContext& context_;
  const asio::any_io_executor executor_;  // the connection's strand
  asio::ssl::context* const tls_;
  std::optional<asio::ip::tcp::socket> silent_;  // TLS, until the first byte
  std::optional<Stream> stream_;
  std::chrono::steady_clock::time_point handshake_deadline_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::string head_text_;
  ResponseBody body_;
  PerSecond date_;
  PerSecond health_;
  // The TLS handshake's deadline, then each scrape's.
  asio::steady_timer timer_;
  ConnectionSet::Handle handle_{};
  bool registered_ = false;
  bool closed_ = false;
  bool keep_alive_ = false;
  bool counted_write_ = false;  // against the write budget, see ConnectionSet
  bool head_ = false;
  bool awaiting_scrape_ = false;
  unsigned version_ = 11;
  std::uint64_t served_ = 0;   // requests read on this connection
  std::uint64_t scrapes_ = 0;  // tells a late build from the current one
};

}  // namespace

void StartHttpSession(asio::ip::tcp::socket socket, ServerContext& context) {
  std::make_shared<Session<beast::tcp_stream>>(context, std::move(socket), nullptr)->Run();
}

void StartHttpsSession(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                       ServerContext& context) {
  std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(context, std::move(socket), &tls)
      ->Run();
}

}  // namespace semstreams::metric::detail
