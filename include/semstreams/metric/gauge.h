#pragma once

#include <memory>

#include "semstreams/metric/opts.h"

namespace semstreams::metric {
namespace detail {
class GaugeCell;
class Collector;
struct HandleAccess;
struct NodeBase;
}  // namespace detail

/// \brief A value that goes up and down (queue depth, connection state).
///
/// A Gauge is a handle: copies share one value, and the value stays valid
/// after the handle is unregistered or its registry is destroyed. The class is
/// thread-safe. No concurrent call to any API of this type causes a data race.
class Gauge {
 public:
  /// \brief Internal: the storage this handle shares.
  using Cell = detail::GaugeCell;

  /// \brief Sets the value.
  void Set(double v) const noexcept;
  /// \brief Adds 1.
  void Inc() const noexcept;
  /// \brief Subtracts 1.
  void Dec() const noexcept;
  /// \brief Adds `v` (which may be negative).
  void Add(double v) const noexcept;
  /// \brief Subtracts `v`.
  void Sub(double v) const noexcept;
  /// \brief Sets the value to the current Unix time in seconds.
  void SetToCurrentTime() const noexcept;
  /// \brief The current value, for tests and diagnostics.
  double Value() const noexcept;

  Gauge(const Gauge&) = default;
  Gauge(Gauge&&) noexcept = default;
  Gauge& operator=(const Gauge&) = default;
  Gauge& operator=(Gauge&&) noexcept = default;
  /// \brief Releases this handle's share of the value.
  ~Gauge();

 private:
  friend struct detail::HandleAccess;
  Gauge(std::shared_ptr<Cell> cell, std::shared_ptr<const detail::Collector> collector,
        const detail::NodeBase* node)
      : cell_(std::move(cell)), collector_(std::move(collector)), node_(node) {}

  std::shared_ptr<Cell> cell_;
  std::shared_ptr<const detail::Collector> collector_;  // null for a vector's child
  const detail::NodeBase* node_;                        // the child, for recycling
};

/// \brief Creates a gauge; an invalid definition is reported by Register*, not here.
Gauge NewGauge(GaugeOpts opts);

}  // namespace semstreams::metric
