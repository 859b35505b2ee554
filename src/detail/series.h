#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "detail/cells.h"
#include "detail/desc.h"
#include "detail/snapshot.h"
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

/// The extras of a cell that has none.
inline void CollectExtras(const GaugeCell& /*cell*/, FamilySnapshot& /*out*/, std::size_t /*i*/) {}

/// A counter's newest exemplar, if one was recorded.
inline void CollectExtras(const CounterCell& cell, FamilySnapshot& out, std::size_t i) {
  if (!cell.exemplars.Recorded()) return;
  ExemplarSample sample;
  if (cell.exemplars.Read(0, sample)) out.ExtrasAt(i).exemplar = std::move(sample);
}

/// A histogram's native buckets and newest exemplar per bucket, if any.
inline void CollectExtras(const HistogramCell& cell, FamilySnapshot& out, std::size_t i) {
  if (cell.native() != nullptr) cell.CollectNative(out.ExtrasAt(i).native.emplace());
  if (!cell.exemplars.Recorded()) return;
  const std::size_t buckets = cell.BucketCount();
  std::vector<std::optional<ExemplarSample>> exemplars(buckets);
  bool any = false;
  for (std::size_t b = 0; b < buckets; ++b) {
    ExemplarSample sample;
    if (cell.exemplars.Read(b, sample)) {
      exemplars[b] = std::move(sample);
      any = true;
    }
  }
  if (any) out.ExtrasAt(i).bucket_exemplars = std::move(exemplars);
}

/// Makes room for `series` series in `out`.
inline void StartFamily(const Desc& desc, std::size_t series, FamilySnapshot& out) {
  out.family = EmptyFamily(desc);
  out.family.metric.resize(series);
  out.created.resize(series);
}

/// Series `i` of `out`: labels, values, creation time and extras, read from `cell`.
template <class Cell>
void CollectSeries(const Desc& desc, const LabelKey& key, const Cell& cell, double created,
                   FamilySnapshot& out, std::size_t i) {
  SetSeriesLabels(desc, key, out.family.metric[i]);
  cell.Fill(out.family.metric[i]);
  out.created[i] = created;
  CollectExtras(cell, out, i);
}

}  // namespace semstreams::metric::detail
