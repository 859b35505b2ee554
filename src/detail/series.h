#pragma once

#include <string>
#include <vector>

#include "prometheus/client_metric.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// Writes a series' labels: the constant labels, then the variable ones in
/// label-name order.
inline void SetSeriesLabels(const Desc& desc, const std::vector<std::string>& values,
                            prometheus::ClientMetric& out) {
  out.label.reserve(desc.const_labels.size() + values.size());
  for (const auto& [name, value] : desc.const_labels) out.label.push_back({name, value});
  for (std::size_t i = 0; i < values.size() && i < desc.label_names.size(); ++i) {
    out.label.push_back({desc.label_names[i], values[i]});
  }
}

}  // namespace semstreams::metric::detail
