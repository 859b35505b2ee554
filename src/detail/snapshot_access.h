#pragma once

#include "detail/snapshot.h"
#include "semstreams/metric/registry.h"

namespace semstreams::metric::detail {

/// The exposition writers' way to a registry's snapshot, which is not part
/// of the public API (Gather() is).
struct SnapshotAccess {
  /// `utf8_names`, when given, is set when a name may not be a legacy name
  /// ([a-zA-Z_:][a-zA-Z0-9_:]*), which the writers then quote or escape.
  static RegistrySnapshot Take(const MetricsRegistry& registry, bool* utf8_names = nullptr) {
    return registry.Snapshot(utf8_names);
  }
};

}  // namespace semstreams::metric::detail
