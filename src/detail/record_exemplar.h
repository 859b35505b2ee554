#pragma once

#include "detail/cells.h"
#include "semstreams/metric/exemplar.h"

namespace semstreams::metric::detail {

/// Counter::AddWithExemplar on a cell: the exemplar's value is the increment.
inline void AddWithExemplar(CounterCell& cell, double v, ExemplarLabels labels) noexcept {
  if (!(v >= 0)) return;  // as Add: a counter never goes down, and keeps no exemplar for it
  cell.Add(v);
  cell.exemplars.Record(0, 1, v, labels);
}

/// Histogram::ObserveWithExemplar on a cell: the exemplar goes to the bucket
/// the observation was counted in.
inline void ObserveWithExemplar(HistogramCell& cell, double v, ExemplarLabels labels) noexcept {
  const std::size_t bucket = cell.BucketIndex(v);
  cell.ObserveInBucket(bucket, v);
  cell.exemplars.Record(bucket, cell.BucketCount(), v, labels);
}

}  // namespace semstreams::metric::detail
