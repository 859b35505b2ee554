#pragma once

#include "semstreams/metric/counter.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// Counts a recording dropped because `desc`'s vector is at its series cap,
/// and logs the first such drop for each metric name to stderr.
void ReportRejectedSeries(const Desc& desc) noexcept;

/// The process-wide counter behind semstreams_metric_cardinality_rejected_total,
/// which every registry exports.
const Counter& CardinalityRejected();

}  // namespace semstreams::metric::detail
