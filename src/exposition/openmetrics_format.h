#pragma once

#include <string>

#include "detail/snapshot.h"
#include "semstreams/metric/openmetrics_format.h"

namespace semstreams::metric::detail {

/// Appends the OpenMetrics 1.0 exposition of `snapshot` to `out`, `# EOF`
/// last; with `quote_names`, names that are not legacy names are quoted.
void AppendOpenMetrics(const RegistrySnapshot& snapshot, const OpenMetricsOptions& options,
                       bool quote_names, std::string& out);

}  // namespace semstreams::metric::detail
