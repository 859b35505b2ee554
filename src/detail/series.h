#pragma once

#include <string>
#include <vector>

#include "detail/thread_cache.h"
#include "prometheus/client_metric.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// Writes a series' labels: the constant labels, then the variable ones in
/// label-name order.
inline void SetSeriesLabels(const Desc& desc, const LabelKey& key, prometheus::ClientMetric& out) {
  out.label.reserve(desc.const_labels.size() + key.count());
  for (const auto& [name, value] : desc.const_labels) out.label.push_back({name, value});
  std::size_t i = 0;
  key.ForEach([&](std::string_view value) {
    if (i < desc.label_names.size()) {
      out.label.push_back({desc.label_names[i], std::string(value)});
    }
    ++i;
  });
}

}  // namespace semstreams::metric::detail
