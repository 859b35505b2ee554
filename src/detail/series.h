#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "detail/cells.h"
#include "detail/snapshot.h"
#include "detail/thread_cache.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// Writes a series' labels: the constant labels, then the variable ones in
/// label-name order.
inline void SetSeriesLabels(const Desc& desc, const LabelKey& key, Series& out) {
  out.labels.reserve(desc.const_labels.size() + key.count());
  for (const auto& [name, value] : desc.const_labels) out.labels.push_back({name, value});
  std::size_t i = 0;
  key.ForEach([&](std::string_view value) {
    if (i < desc.label_names.size()) {
      out.labels.push_back({desc.label_names[i], std::string(value)});
    }
    ++i;
  });
}

/// The exemplars of a cell that has none.
inline void CollectExemplars(const GaugeCell& /*cell*/, Series& /*out*/) {}

/// A counter's newest exemplar, if one was recorded.
inline void CollectExemplars(const CounterCell& cell, Series& out) {
  if (!cell.exemplars.Recorded()) return;
  ExemplarSample sample;
  if (cell.exemplars.Read(0, sample)) out.exemplar = std::move(sample);
}

/// A histogram's native buckets and newest exemplar per bucket, if any.
inline void CollectExemplars(const HistogramCell& cell, Series& out) {
  if (cell.native() != nullptr) cell.CollectNative(out.native.emplace());
  if (!cell.exemplars.Recorded()) return;
  const std::size_t buckets = std::min(cell.BucketCount(), out.buckets.size());
  for (std::size_t b = 0; b < buckets; ++b) {
    ExemplarSample sample;
    if (cell.exemplars.Read(b, sample)) out.buckets[b].exemplar = std::move(sample);
  }
}

/// One series: labels, values, creation time and exemplars, read from `cell`.
template <class Cell>
void CollectSeries(const Desc& desc, const LabelKey& key, const Cell& cell, double created,
                   Series& out) {
  SetSeriesLabels(desc, key, out);
  cell.Fill(out);
  out.created = created;
  CollectExemplars(cell, out);
}

}  // namespace semstreams::metric::detail
