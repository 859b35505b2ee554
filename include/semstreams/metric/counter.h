#pragma once

#include <memory>

#include "semstreams/metric/exemplar.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric {
namespace detail {
class CounterCell;
class Collector;
struct HandleAccess;
struct NodeBase;
}  // namespace detail

/// \brief A value that only goes up (requests served, errors seen).
///
/// A Counter is a handle: copies share one value, and the value stays valid
/// after the handle is unregistered or its registry is destroyed. The class is
/// thread-safe. No concurrent call to any API of this type causes a data race.
class Counter {
 public:
  /// \brief Internal: the storage this handle shares.
  using Cell = detail::CounterCell;

  /// \brief Adds 1.
  void Inc() const noexcept;
  /// \brief Adds `v`; negative and NaN amounts are ignored (counters never go down).
  void Add(double v) const noexcept;
  /// \brief Adds 1 and keeps `labels` (e.g. {{"trace_id", id}}) as the newest
  /// exemplar. Invalid or over-long labels are dropped and counted in
  /// semstreams_metric_exemplars_dropped_total; the increment still counts.
  void IncWithExemplar(ExemplarLabels labels) const noexcept;
  /// \brief Adds `v` and keeps `labels` as the newest exemplar, with value `v`
  /// and the current time; as Add, negative and NaN amounts are ignored.
  void AddWithExemplar(double v, ExemplarLabels labels) const noexcept;
  /// \brief The current value, for tests and diagnostics.
  double Value() const noexcept;

  Counter(const Counter&) = default;
  Counter(Counter&&) noexcept = default;
  Counter& operator=(const Counter&) = default;
  Counter& operator=(Counter&&) noexcept = default;
  /// \brief Releases this handle's share of the value.
  ~Counter();

 private:
  friend struct detail::HandleAccess;
  Counter(std::shared_ptr<Cell> cell, std::shared_ptr<const detail::Collector> collector,
          const detail::NodeBase* node)
      : cell_(std::move(cell)), collector_(std::move(collector)), node_(node) {}

  std::shared_ptr<Cell> cell_;
  std::shared_ptr<const detail::Collector> collector_;  // null for a vector's child
  const detail::NodeBase* node_;                        // the child, for recycling
};

/// \brief Creates a counter; an invalid definition is reported by Register*, not here.
Counter NewCounter(CounterOpts opts);

}  // namespace semstreams::metric
