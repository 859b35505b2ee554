#pragma once

#include <memory>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric::detail {

/// The library's way into handles' private state; not for users.
struct HandleAccess {
  template <class Metric>
  static Metric Make(std::shared_ptr<typename Metric::Cell> cell,
                     std::shared_ptr<const Collector> collector, const NodeBase* child = nullptr) {
    return Metric(std::move(cell), std::move(collector), child);
  }

  template <class Metric>
  static MetricVec<Metric> MakeVec(std::shared_ptr<VecCore<typename Metric::Cell>> core) {
    return MetricVec<Metric>(std::move(core));
  }

  template <class Metric>
  static const std::shared_ptr<const Collector>& CollectorOf(const Metric& metric) {
    return metric.collector_;
  }

  template <class Metric>
  static std::shared_ptr<const Collector> CollectorOf(const MetricVec<Metric>& vec) {
    return vec.core_;
  }

  template <class Metric>
  static VecCore<typename Metric::Cell>& CoreOf(const MetricVec<Metric>& vec) {
    return *vec.core_;
  }
};

}  // namespace semstreams::metric::detail
