#pragma once

#include "prometheus/metric_type.h"

namespace semstreams::metric::detail {

// prometheus-cpp 1.2+ has a sixth metric type, Info, that Debian's 1.0.1 has
// not; the writers switch over the five shared ones and treat any other as
// Info. Its one sample is <name>_info, as prometheus-cpp's own serializer
// writes it.
inline constexpr const char* kInfoSuffix = "_info";

/// \brief True for a type this tree's five-type switches do not name (Info).
inline bool IsInfo(prometheus::MetricType type) {
  using prometheus::MetricType;
  return type != MetricType::Counter && type != MetricType::Gauge && type != MetricType::Summary &&
         type != MetricType::Histogram && type != MetricType::Untyped;
}

/// \brief The value of an Info series (1 where the type does not exist).
template <typename Metric>
double InfoValue(const Metric& metric) {
  if constexpr (requires { metric.info.value; }) {
    return metric.info.value;
  } else {
    return 1.0;
  }
}

}  // namespace semstreams::metric::detail
