#include "semstreams/metric/scrape_handler.h"

#include <exception>
#include <optional>
#include <string_view>

#include "exposition/exposition.h"
#include "exposition/limits.h"

namespace semstreams::metric {

struct ScrapeHandler::State {
  State(std::shared_ptr<const MetricsRegistry> r, HandlerOptions o)
      : registry(std::move(r)), options(o), in_flight(o.max_requests_in_flight) {
    exposition.negotiation.openmetrics = options.enable_openmetrics;
    exposition.negotiation.protobuf = true;  // as promhttp: native histograms need it
    exposition.openmetrics.created = options.openmetrics_created;
  }

  const std::shared_ptr<const MetricsRegistry> registry;
  const HandlerOptions options;
  detail::ExpositionOptions exposition;
  detail::InFlightLimit in_flight;  // synchronises itself
};

namespace {

ScrapeResponse Plain(int status, std::string text) {
  return {status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(text) + "\n"};
}

// Leaves the in-flight limit however the scrape ends.
class InFlightTicket {
 public:
  explicit InFlightTicket(detail::InFlightLimit& limit)
      : limit_(limit), admitted_(limit.TryEnter()) {}
  ~InFlightTicket() {
    if (admitted_) limit_.Leave();
  }
  InFlightTicket(const InFlightTicket&) = delete;
  InFlightTicket& operator=(const InFlightTicket&) = delete;
  bool admitted() const { return admitted_; }

 private:
  detail::InFlightLimit& limit_;
  const bool admitted_;
};

}  // namespace

ScrapeHandler::ScrapeHandler(std::shared_ptr<const MetricsRegistry> registry,
                             HandlerOptions options)
    : state_(std::make_shared<State>(std::move(registry), options)) {}

const HandlerOptions& ScrapeHandler::Options() const { return state_->options; }

ScrapeResponse ScrapeHandler::Serve(const ScrapeRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  const bool head = request.method == "HEAD";
  if (!head && request.method != "GET") {
    ScrapeResponse refused = Plain(405, "method not allowed");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  if (state_->registry == nullptr) return Plain(500, "cannot gather metrics: no registry");
  // promhttp's order: the in-flight limit refuses before any work is done.
  InFlightTicket ticket(state_->in_flight);
  if (!ticket.admitted()) return Plain(503, "too many requests in flight");
  const auto deadline = detail::ScrapeDeadline(start, state_->options.timeout,
                                               request.scrape_timeout_seconds.c_str());
  try {
    detail::Exposition exposition = detail::Expose(*state_->registry, request.accept,
                                                   request.accept_encoding, state_->exposition);
    // Past the deadline the scraper has given up; a late body would only cost the write.
    if (deadline.has_value() && std::chrono::steady_clock::now() > *deadline) {
      return Plain(503, "scrape deadline exceeded");
    }
    ScrapeResponse response{200, {{"Content-Type", exposition.content_type}}, {}};
    if (exposition.gzipped) response.headers.emplace_back("Content-Encoding", "gzip");
    response.headers.emplace_back("Vary", "Accept, Accept-Encoding");
    if (head) {
      response.headers.emplace_back("Content-Length", std::to_string(exposition.body.size()));
    } else {
      response.body = std::move(exposition.body);
    }
    return response;
  } catch (const std::exception& e) {
    // Out of memory, say: this scrape fails, the process and the next scrape do not.
    return Plain(500, std::string("cannot gather metrics: ") + e.what());
  }
}

}  // namespace semstreams::metric
