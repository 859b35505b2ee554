#pragma once

#include <string>

#include "semstreams/metric/registry.h"

namespace semstreams::metric {

/// \brief Choices for the OpenMetrics writer.
struct OpenMetricsOptions {
  /// Also write each counter's and histogram's `_created` sample (the time the
  /// series was created), as client_golang can; off by default, as in Go.
  bool created = false;
};

/// \brief Renders everything `registry` exports in OpenMetrics 1.0 text,
/// exemplars included, ending with `# EOF`.
///
/// Counters are typed under their name without `_total`; label values and
/// help texts of any bytes give output that OpenMetrics parsers accept.
std::string OpenMetricsExposition(const MetricsRegistry& registry,
                                  const OpenMetricsOptions& options = {});

/// \brief The Content-Type of OpenMetricsExposition's output.
inline constexpr const char* kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

}  // namespace semstreams::metric
