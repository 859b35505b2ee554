#include "detail/native_merge.h"

#include <cstdint>
#include <map>
#include <vector>

#include "detail/native_spans.h"

namespace semstreams::metric::detail {

namespace {

using Counts = std::map<std::int32_t, std::int64_t>;

// Adds the buckets that spans and deltas describe to `counts`.
void Decode(const std::vector<NativeBucketSpan>& spans, const std::vector<std::int64_t>& deltas,
            Counts& counts) {
  std::int32_t key = 0;
  std::int64_t count = 0;
  std::size_t d = 0;
  for (std::size_t s = 0; s < spans.size(); ++s) {
    key += spans[s].offset;
    for (std::uint32_t j = 0; j < spans[s].length && d < deltas.size(); ++j, ++key, ++d) {
      count += deltas[d];
      if (count != 0) counts[key] += count;
    }
  }
}

// The inverse of Decode.
void Encode(const Counts& counts, std::vector<NativeBucketSpan>& spans,
            std::vector<std::int64_t>& deltas) {
  spans.clear();
  deltas.clear();
  NativeSpanWriter writer(spans, deltas);
  for (const auto& [key, count] : counts) writer.Add(key, count);
}

void MergeSide(std::vector<NativeBucketSpan>& spans, std::vector<std::int64_t>& deltas,
               const std::vector<NativeBucketSpan>& part_spans,
               const std::vector<std::int64_t>& part_deltas) {
  if (part_spans.empty()) return;
  Counts counts;
  Decode(spans, deltas, counts);
  Decode(part_spans, part_deltas, counts);
  Encode(counts, spans, deltas);
}

}  // namespace

void MergeNative(NativeHistogramSnapshot& into, const NativeHistogramSnapshot& part) {
  into.zero_count += part.zero_count;
  MergeSide(into.negative_spans, into.negative_deltas, part.negative_spans, part.negative_deltas);
  MergeSide(into.positive_spans, into.positive_deltas, part.positive_spans, part.positive_deltas);
}

}  // namespace semstreams::metric::detail
