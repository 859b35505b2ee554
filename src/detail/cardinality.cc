#include "detail/cardinality.h"

#include <cstdio>
#include <mutex>
#include <set>
#include <string>

namespace semstreams::metric::detail {

const Counter& CardinalityRejected() {
  // Leaked on purpose: recordings may race with static destruction at exit.
  static const Counter* const counter = [] {
    CounterOpts opts;
    opts.ns = "semstreams";
    opts.subsystem = "metric";
    opts.name = "cardinality_rejected_total";
    opts.help = "Recordings dropped because a metric vector reached its series limit";
    return new Counter(NewCounter(std::move(opts)));
  }();
  return *counter;
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
