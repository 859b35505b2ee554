#pragma once

#include <cstdint>
#include <memory>

#include "semstreams/metric/exemplar.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric {
namespace detail {
class HistogramCell;
class Collector;
struct HandleAccess;
struct NodeBase;
}  // namespace detail

/// \brief Counts observations (latencies, sizes) into buckets and sums them.
///
/// A Histogram is a handle: copies share one distribution, which stays valid
/// after the handle is unregistered or its registry is destroyed. The class is
/// thread-safe. No concurrent call to any API of this type causes a data race.
class Histogram {
 public:
  /// \brief Internal: the storage this handle shares.
  using Cell = detail::HistogramCell;

  /// \brief Records one observation, e.g. a duration in seconds.
  void Observe(double v) const noexcept;
  /// \brief Records `v` and keeps `labels` (e.g. {{"trace_id", id}}) as the
  /// newest exemplar of the bucket `v` falls in, with the current time. Invalid
  /// or over-long labels are dropped and counted; the observation still counts.
  void ObserveWithExemplar(double v, ExemplarLabels labels) const noexcept;
  /// \brief How many observations were recorded.
  std::uint64_t SampleCount() const noexcept;
  /// \brief The sum of all observations.
  double SampleSum() const noexcept;

  Histogram(const Histogram&) = default;
  Histogram(Histogram&&) noexcept = default;
  Histogram& operator=(const Histogram&) = default;
  Histogram& operator=(Histogram&&) noexcept = default;
  /// \brief Releases this handle's share of the value.
  ~Histogram();

 private:
  friend struct detail::HandleAccess;
  Histogram(std::shared_ptr<Cell> cell, std::shared_ptr<const detail::Collector> collector,
            const detail::NodeBase* node)
      : cell_(std::move(cell)), collector_(std::move(collector)), node_(node) {}

  std::shared_ptr<Cell> cell_;
  std::shared_ptr<const detail::Collector> collector_;  // null for a vector's child
  const detail::NodeBase* node_;                        // the child, for recycling
};

/// \brief Creates a histogram; an invalid definition is reported by Register*, not here.
Histogram NewHistogram(HistogramOpts opts);

}  // namespace semstreams::metric
