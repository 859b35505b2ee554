#pragma once

#include <string>
#include <vector>

#include "prometheus/metric_family.h"
#include "semstreams/metric/family.h"

namespace semstreams::metric {

/// \brief Renders families in the Prometheus text exposition format 0.0.4
/// (what Go's expfmt writes for text/plain; version=0.0.4).
///
/// Label values and help texts are escaped, so any bytes produce parsable
/// output. Floats use the shortest form that reads back exactly.
std::string TextExposition(const std::vector<prometheus::MetricFamily>& families);

/// \brief Appends the exposition of `families` to `out`, reusing its capacity.
void AppendTextExposition(const std::vector<prometheus::MetricFamily>& families, std::string& out);

/// \brief The same for families in the library's own model (a Collector's,
/// or a registry's snapshot).
std::string TextExposition(const std::vector<Family>& families);

/// \brief Appends the exposition of `families` to `out`, reusing its capacity.
void AppendTextExposition(const std::vector<Family>& families, std::string& out);

/// \brief The Content-Type of TextExposition's output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace semstreams::metric
