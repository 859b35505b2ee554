#pragma once

#include <cstdint>
#include <vector>

#include "detail/native_histogram.h"

namespace semstreams::metric::detail {

/// Writes non-empty native buckets, given in ascending key order, as spans
/// and deltas the way client_golang's makeBuckets does: a gap of one or two
/// empty buckets is cheaper as zero deltas inside a span than as a new span.
/// Collect and MergeNative both write this way, so a merged snapshot reads
/// exactly like a collected one.
class NativeSpanWriter {
 public:
  NativeSpanWriter(std::vector<NativeBucketSpan>& spans, std::vector<std::int64_t>& deltas)
      : spans_(spans), deltas_(deltas) {}

  void Add(std::int32_t key, std::int64_t count) {
    const std::int32_t gap = key - next_;
    if (spans_.empty() || gap > 2) {
      spans_.push_back({gap, 0});
    } else {
      for (std::int32_t j = 0; j < gap; ++j) {
        ++spans_.back().length;
        deltas_.push_back(-previous_);
        previous_ = 0;
      }
    }
    ++spans_.back().length;
    deltas_.push_back(count - previous_);
    previous_ = count;
    next_ = key + 1;
  }

 private:
  std::vector<NativeBucketSpan>& spans_;
  std::vector<std::int64_t>& deltas_;
  std::int64_t previous_ = 0;
  std::int32_t next_ = 0;
};

}  // namespace semstreams::metric::detail
