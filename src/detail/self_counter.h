#pragma once

#include <string>

#include "semstreams/metric/counter.h"

namespace semstreams::metric::detail {

/// A counter the library keeps about itself, semstreams_metric_<name>, for
/// every registry to export. Call it once, from a function-local static.
/// Never destroyed: recordings may race with static destruction at exit.
const Counter& NewSelfCounter(std::string name, std::string help);

}  // namespace semstreams::metric::detail
