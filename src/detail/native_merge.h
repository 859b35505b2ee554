#pragma once

#include "detail/native_histogram.h"

namespace semstreams::metric::detail {

/// Adds `part`'s native buckets to `into`'s: both must share a schema and
/// zero threshold, which native histograms without a bucket limit keep for
/// life. Spans come out as NativeHistogram::Collect writes them (gaps of one
/// or two empty buckets stay inside a span), so a striped histogram reads
/// exactly like an unstriped one with the same observations.
void MergeNative(NativeHistogramSnapshot& into, const NativeHistogramSnapshot& part);

}  // namespace semstreams::metric::detail
