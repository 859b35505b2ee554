// A service that already runs its own HTTP server (here Boost.Beast, shaped
// like Beast's example/http/server/async) and serves /metrics through
// ScrapeHandler instead of starting a MetricsServer: the handler does the
// scrape (negotiation, gzip, deadline, in-flight limit), the server routes.
//
//   own_http_server [--port N] [--duration SECONDS]
//
// Listens on 127.0.0.1 (port 0: any free port) and prints
// "listening on http://127.0.0.1:PORT/metrics" on stdout once bound. Stops
// after --duration, or on SIGINT/SIGTERM. Exits 1 when it cannot bind, 2 on a
// bad command line.

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "semstreams/metric.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace metric = semstreams::metric;
using tcp = asio::ip::tcp;

// The whole bridge: copy what a scrape depends on out of the request, and
// the handler's answer into the response.
http::response<http::string_body> Answer(const metric::ScrapeHandler& handler,
                                         const metric::CounterVec& requests,
                                         const http::request<http::string_body>& request) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  const std::string_view target = request.target();
  if (target.substr(0, target.find('?')) != "/metrics") {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "not found\n";
  } else {
    metric::ScrapeRequest scrape;
    scrape.method = std::string(request.method_string());
    scrape.accept = std::string(request[http::field::accept]);
    scrape.accept_encoding = std::string(request[http::field::accept_encoding]);
    scrape.scrape_timeout_seconds = std::string(request["X-Prometheus-Scrape-Timeout-Seconds"]);
    metric::ScrapeResponse scraped = handler.Serve(scrape);
    response.result(static_cast<unsigned>(scraped.status));
    for (const auto& [name, value] : scraped.headers) response.set(name, value);
    response.body() = std::move(scraped.body);
  }
  // A HEAD answer carries the Content-Length of the body it leaves out.
  if (request.method() != http::verb::head) response.prepare_payload();
  requests.WithLabelValues(std::to_string(response.result_int())).Inc();
  return response;
}

// One connection: read a request, write its answer, again while kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, metric::ScrapeHandler handler, metric::CounterVec requests)
      : stream_(std::move(socket)), handler_(std::move(handler)), requests_(std::move(requests)) {}

  void Read() {
    request_ = {};
    // A client that stalls mid-request or idles between requests is dropped.
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();  // the client left, or timed out
                       self->Write();
                     });
  }

 private:
  void Write() {
    // Scrapes are rendered on the I/O thread: cheap for a registry this size.
    response_ = Answer(handler_, requests_, request_);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  const metric::ScrapeHandler handler_;  // copies are cheap and share the in-flight count
  const metric::CounterVec requests_;
};

void Accept(tcp::acceptor& acceptor, const metric::ScrapeHandler& handler,
            const metric::CounterVec& requests) {
  acceptor.async_accept([&acceptor, &handler, &requests](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // shutting down
    if (!ec) std::make_shared<Session>(std::move(socket), handler, requests)->Read();
    Accept(acceptor, handler, requests);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  double duration_seconds = 0;  // 0: until a signal
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    char* end = nullptr;
    const double value = i + 1 < argc ? std::strtod(argv[i + 1], &end) : -1;
    if (value < 0 || end == nullptr || *end != '\0' ||
        (flag != "--duration" && (flag != "--port" || value > 65535))) {
      std::cerr << "usage: own_http_server [--port N] [--duration SECONDS]\n";
      return 2;
    }
    if (flag == "--port") port = static_cast<unsigned short>(value);
    if (flag == "--duration") duration_seconds = value;
    ++i;
  }

  const std::shared_ptr<metric::MetricsRegistry> registry = metric::NewMetricsRegistry();
  registry->CoreMetrics().RecordServiceStatus("own_http_server", 2);  // running
  metric::CounterOpts opts;
  opts.name = "own_http_server_requests_total";
  opts.help = "HTTP requests answered by the example's own server, by status code.";
  const metric::CounterVec requests = metric::NewCounterVec(opts, {"code"});
  if (const metric::Status status =
          registry->RegisterCounterVec("own_http_server", "requests", requests);
      !status.ok()) {
    std::cerr << "own_http_server: " << status.message() << "\n";
    return 1;
  }
  const metric::ScrapeHandler handler(registry, {.max_requests_in_flight = 4});

  asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  try {
    acceptor = tcp::acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  } catch (const boost::system::system_error& e) {
    std::cerr << "own_http_server: cannot listen on 127.0.0.1:" << port << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << "/metrics"
            << std::endl;
  Accept(acceptor, handler, requests);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });
  if (duration_seconds > 0) {
    ioc.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(duration_seconds)));
  } else {
    ioc.run();
  }
  return 0;
}
