#pragma once

#include <atomic>
#include <chrono>
#include <optional>

namespace semstreams::metric::detail {

/// \brief promhttp's MaxRequestsInFlight: admits at most `limit` requests at
/// once (0 = any number); the rest are refused at once, never queued.
class InFlightLimit {
 public:
  /// \brief `limit` <= 0 admits everything.
  explicit InFlightLimit(int limit) : limit_(limit) {}
  /// \brief False when `limit` requests are already in flight.
  bool TryEnter();
  /// \brief Ends a request that TryEnter admitted.
  void Leave();

 private:
  const int limit_;
  std::atomic<int> in_flight_{0};
};

/// \brief When a scrape started at `start` must be answered: the earlier of
/// `start + option` (option > 0) and `start + header` seconds (the scraper's
/// X-Prometheus-Scrape-Timeout-Seconds, ignored unless a positive number);
/// absent when neither applies.
std::optional<std::chrono::steady_clock::time_point> ScrapeDeadline(
    std::chrono::steady_clock::time_point start, std::chrono::milliseconds option,
    const char* header);

}  // namespace semstreams::metric::detail
