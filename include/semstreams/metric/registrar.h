#pragma once

#include <string_view>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/status.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric {

/// \brief Where services register their own metrics; an interface so that
/// services can take a test double (Go's metric.MetricsRegistrar).
///
/// Each registration is keyed by `service + "." + metric`.
class MetricsRegistrar {
 public:
  virtual ~MetricsRegistrar() = default;

  /// \brief Exports `counter` under the key service.metric.
  virtual Status RegisterCounter(std::string_view service, std::string_view metric,
                                 const Counter& counter) = 0;
  /// \brief Exports `gauge` under the key service.metric.
  virtual Status RegisterGauge(std::string_view service, std::string_view metric,
                               const Gauge& gauge) = 0;
  /// \brief Exports `histogram` under the key service.metric.
  virtual Status RegisterHistogram(std::string_view service, std::string_view metric,
                                   const Histogram& histogram) = 0;
  /// \brief Exports every child of `vec` under the key service.metric.
  virtual Status RegisterCounterVec(std::string_view service, std::string_view metric,
                                    const CounterVec& vec) = 0;
  /// \brief Exports every child of `vec` under the key service.metric.
  virtual Status RegisterGaugeVec(std::string_view service, std::string_view metric,
                                  const GaugeVec& vec) = 0;
  /// \brief Exports every child of `vec` under the key service.metric.
  virtual Status RegisterHistogramVec(std::string_view service, std::string_view metric,
                                      const HistogramVec& vec) = 0;
  /// \brief Stops exporting the metric under service.metric; false if none was there.
  virtual bool Unregister(std::string_view service, std::string_view metric) = 0;
};

}  // namespace semstreams::metric
