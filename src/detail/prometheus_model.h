#pragma once

#include "prometheus/metric_family.h"
#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// A prometheus-cpp family in the library's model: how families made with
/// prometheus-cpp's own builders (PrometheusRegistry()) reach the writers.
Family FromPrometheus(const prometheus::MetricFamily& family);
Family FromPrometheus(prometheus::MetricFamily&& family);

/// A family as prometheus-cpp holds it, for Gather() and Collectable users;
/// what prometheus-cpp has no room for (exemplars, native buckets, created
/// timestamps, units) is left out.
prometheus::MetricFamily ToPrometheus(Family&& family);

}  // namespace semstreams::metric::detail
