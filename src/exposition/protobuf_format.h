#pragma once

#include <string>

#include "detail/snapshot.h"

namespace semstreams::metric::detail {

/// Appends `snapshot` as length-delimited io.prometheus.client.MetricFamily
/// messages (client_model's metrics.proto, v0.3.0): counters, gauges,
/// classic and native histograms, exemplars.
void AppendProtobuf(const RegistrySnapshot& snapshot, std::string& out);

}  // namespace semstreams::metric::detail
