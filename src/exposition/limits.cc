#include "exposition/limits.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace semstreams::metric::detail {

bool InFlightLimit::TryEnter() {
  if (limit_ <= 0) return true;
  if (in_flight_.fetch_add(1, std::memory_order_acq_rel) < limit_) return true;
  in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  return false;
}

void InFlightLimit::Leave() {
  if (limit_ > 0) in_flight_.fetch_sub(1, std::memory_order_acq_rel);
}

std::optional<std::chrono::steady_clock::time_point> ScrapeDeadline(
    std::chrono::steady_clock::time_point start, std::chrono::milliseconds option,
    const char* header) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (option.count() > 0) deadline = start + option;
  if (header != nullptr && *header != '\0') {
    char* end = nullptr;
    const double seconds = std::strtod(header, &end);
    // Anything but a plain positive number is ignored, as if not sent; a
    // day bounds the conversion below.
    if (end != header && *end == '\0' && std::isfinite(seconds) && seconds > 0 && seconds < 86400) {
      const auto from_header =
          start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(seconds));
      if (!deadline.has_value() || from_header < *deadline) deadline = from_header;
    }
  }
  return deadline;
}

}  // namespace semstreams::metric::detail
