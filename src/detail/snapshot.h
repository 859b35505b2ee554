#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/native_histogram.h"
#include "prometheus/metric_family.h"

namespace semstreams::metric::detail {

/// An exemplar as the writers see it: owned strings, read out of the
/// lock-free slot it was recorded in (see ExemplarStore).
struct ExemplarSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  double timestamp = 0;  // seconds since the Unix epoch, wall clock
};

/// What a series carries beyond prometheus::ClientMetric, which has no room
/// for it. Writers that do not know a member ignore it.
struct SeriesExtras {
  /// A counter's newest exemplar.
  std::optional<ExemplarSample> exemplar;
  /// A histogram's newest exemplar per bucket, aligned with
  /// ClientMetric::histogram.bucket (+Inf last); empty when none was recorded.
  std::vector<std::optional<ExemplarSample>> bucket_exemplars;
  /// A histogram's native buckets, when it has them.
  std::optional<NativeHistogramSnapshot> native;
};

/// One family of a registry snapshot: what Gather() returns for it, plus the
/// extras of its series.
struct FamilySnapshot {
  FamilySnapshot() = default;
  /// A family without extras (the process collector's, raw prometheus-cpp ones).
  explicit FamilySnapshot(prometheus::MetricFamily f) : family(std::move(f)) {}

  prometheus::MetricFamily family;
  /// Empty when no series has extras; else one entry per family.metric.
  std::vector<SeriesExtras> extras;
  /// When each series was created, in seconds since the Unix epoch (the
  /// OpenMetrics _created sample); empty when unknown (raw families).
  std::vector<double> created;

  /// The extras of series `i`, making room for them on first use so that
  /// families without exemplars cost nothing.
  SeriesExtras& ExtrasAt(std::size_t i) {
    if (extras.size() < family.metric.size()) extras.resize(family.metric.size());
    return extras[i];
  }
  /// The extras of series `i`, or null when it has none.
  const SeriesExtras* FindExtras(std::size_t i) const {
    return i < extras.size() ? &extras[i] : nullptr;
  }
};

/// Everything a registry exports, families sorted by name: the one source of
/// Gather() (which drops the extras) and of every exposition writer.
using RegistrySnapshot = std::vector<FamilySnapshot>;

/// Wall-clock time in seconds since the Unix epoch.
inline double WallClockSeconds() {
  using std::chrono::duration;
  return duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace semstreams::metric::detail
