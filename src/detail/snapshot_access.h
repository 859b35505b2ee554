#pragma once

#include "detail/snapshot.h"
#include "semstreams/metric/registry.h"

namespace semstreams::metric::detail {

/// The exposition writers' way to a registry's snapshot, which is not part
/// of the public API (Gather() is).
struct SnapshotAccess {
  static RegistrySnapshot Take(const MetricsRegistry& registry) { return registry.Snapshot(); }
};

}  // namespace semstreams::metric::detail
