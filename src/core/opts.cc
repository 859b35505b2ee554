#include "semstreams/metric/opts.h"

namespace semstreams::metric {

std::vector<double> DefBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::string BuildFQName(std::string_view ns, std::string_view subsystem, std::string_view name) {
  // Go returns "" when name is empty, whatever the other parts are.
  if (name.empty()) return {};
  std::string full;
  for (std::string_view part : {ns, subsystem}) {
    if (part.empty()) continue;
    full.append(part).push_back('_');
  }
  return full.append(name);
}

}  // namespace semstreams::metric
