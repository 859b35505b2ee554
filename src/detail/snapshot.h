#pragma once

#include <chrono>
#include <vector>

#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// An exemplar as the writers see it: owned strings, read out of the
/// lock-free slot it was recorded in (see ExemplarStore).
using ExemplarSample = Exemplar;

/// Everything a registry exports, families sorted by name: the one source of
/// Gather() and of every exposition writer.
using RegistrySnapshot = std::vector<Family>;

/// Wall-clock time in seconds since the Unix epoch.
inline double WallClockSeconds() {
  using std::chrono::duration;
  return duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace semstreams::metric::detail
