#pragma once

#include "semstreams/metric/registry.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric::detail {

/// A RemoteWriter's way to the counters its registry keeps for it, which are
/// not part of the public API (the families are).
struct RemoteWriteAccess {
  static const CounterVec& Sent(const MetricsRegistry& registry) {
    return registry.remote_write_sent_;
  }
  static const CounterVec& Failed(const MetricsRegistry& registry) {
    return registry.remote_write_failed_;
  }
  static const CounterVec& Retries(const MetricsRegistry& registry) {
    return registry.remote_write_retries_;
  }
};

}  // namespace semstreams::metric::detail
