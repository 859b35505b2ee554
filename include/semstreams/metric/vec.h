#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prometheus/labels.h"
#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric {
namespace detail {
template <class Cell>
class VecCore;
}  // namespace detail

/// \brief A family of metrics of one kind, one child per combination of values
/// for a fixed list of label names (Go's CounterVec, GaugeVec, HistogramVec).
///
/// Copies share the same children. A child handle returned by WithLabelValues
/// or With stays safe to use after Delete, Reset, Unregister or the registry's
/// destruction; it simply stops being exported. Looking up an existing child
/// takes no lock and allocates nothing. The class is thread-safe. No concurrent
/// call to any API of this type causes a data race.
template <class Metric>
class MetricVec {
 public:
  /// \brief The child for these label values, in label-name order; created on
  /// first use. Throws std::invalid_argument, naming the metric, when the number
  /// of values differs from the number of label names.
  template <class... Values>
  Metric WithLabelValues(const Values&... values) const {
    const std::array<std::string_view, sizeof...(Values)> views{std::string_view(values)...};
    return WithLabelValuesSpan(views.data(), views.size());
  }
  /// \brief WithLabelValues for a list built at run time.
  Metric WithLabelValues(const std::vector<std::string>& values) const;
  /// \brief The child for these name/value pairs; throws std::invalid_argument
  /// unless the names are exactly the vector's label names.
  Metric With(const prometheus::Labels& labels) const;

  /// \brief Removes the child with these label values; false if there was none.
  /// Throws std::invalid_argument on the wrong number of values.
  template <class... Values>
  bool DeleteLabelValues(const Values&... values) const {
    const std::array<std::string_view, sizeof...(Values)> views{std::string_view(values)...};
    return DeleteLabelValuesSpan(views.data(), views.size());
  }
  /// \brief Removes the child with these name/value pairs; false if there was none.
  bool Delete(const prometheus::Labels& labels) const;
  /// \brief Removes every child.
  void Reset() const;

  /// \brief How many children are exported now.
  std::size_t Size() const;
  /// \brief Caps the number of children (0, the default, means no cap). Past
  /// the cap a new label set is not created: its recordings go nowhere and
  /// are counted by semstreams_metric_cardinality_rejected_total.
  void SetMaxSeries(std::size_t max_series) const;

 private:
  // The lookup and removal every public overload ends in.
  Metric WithLabelValuesSpan(const std::string_view* values, std::size_t count) const;
  bool DeleteLabelValuesSpan(const std::string_view* values, std::size_t count) const;

  friend struct detail::HandleAccess;
  using Core = detail::VecCore<typename Metric::Cell>;
  explicit MetricVec(std::shared_ptr<Core> core) : core_(std::move(core)) {}

  std::shared_ptr<Core> core_;
};

/// \brief Counters partitioned by label values.
using CounterVec = MetricVec<Counter>;
/// \brief Gauges partitioned by label values.
using GaugeVec = MetricVec<Gauge>;
/// \brief Histograms partitioned by label values; every child has the same buckets.
using HistogramVec = MetricVec<Histogram>;

/// \brief Creates a counter vector; an invalid definition is reported by Register*.
CounterVec NewCounterVec(CounterOpts opts, std::vector<std::string> label_names);
/// \brief Creates a gauge vector; an invalid definition is reported by Register*.
GaugeVec NewGaugeVec(GaugeOpts opts, std::vector<std::string> label_names);
/// \brief Creates a histogram vector; an invalid definition is reported by Register*.
HistogramVec NewHistogramVec(HistogramOpts opts, std::vector<std::string> label_names);

extern template class MetricVec<Counter>;
extern template class MetricVec<Gauge>;
extern template class MetricVec<Histogram>;

}  // namespace semstreams::metric
