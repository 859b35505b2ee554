#include "detail/cardinality.h"

#include <cstdio>
#include <mutex>
#include <set>
#include <string>

#include "detail/self_counter.h"

namespace semstreams::metric::detail {

const Counter& CardinalityRejected() {
  static const Counter& counter =
      NewSelfCounter("cardinality_rejected_total",
                     "Recordings dropped because a metric vector reached its series limit");
  return counter;
}

void ReportRejectedSeries(const Desc& desc) noexcept {
  CardinalityRejected().Inc();
  try {
    static std::mutex mu;
    static auto* logged = new std::set<std::string>();
    std::lock_guard<std::mutex> lock(mu);
    if (logged->insert(desc.name).second) {
      std::fprintf(stderr,
                   "semstreams-metric: %s reached its series limit; new label sets are "
                   "dropped and counted in semstreams_metric_cardinality_rejected_total\n",
                   desc.name.c_str());
    }
  } catch (...) {  // logging is best effort; the count above is what matters
  }
}

}  // namespace semstreams::metric::detail
