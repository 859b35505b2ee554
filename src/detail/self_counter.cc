#include "detail/self_counter.h"

#include <utility>

namespace semstreams::metric::detail {

const Counter& NewSelfCounter(std::string name, std::string help) {
  CounterOpts opts;
  opts.ns = "semstreams";
  opts.subsystem = "metric";
  opts.name = std::move(name);
  opts.help = std::move(help);
  return *new Counter(NewCounter(std::move(opts)));
}

}  // namespace semstreams::metric::detail
