#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "detail/exemplar.h"
#include "detail/native_histogram.h"
#include "prometheus/client_metric.h"

namespace semstreams::metric::detail {

inline std::uint64_t ToBits(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

inline double FromBits(std::uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

/// A double updated by compare-and-swap on its bit pattern: lock-free on every
/// target we build for, unlike std::atomic<double>::fetch_add before C++20.
class AtomicDouble {
 public:
  double Load() const { return FromBits(bits_.load(std::memory_order_relaxed)); }
  void Store(double v) { bits_.store(ToBits(v), std::memory_order_relaxed); }
  void Add(double delta) {
    std::uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    while (!bits_.compare_exchange_weak(old_bits, ToBits(FromBits(old_bits) + delta),
                                        std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<std::uint64_t> bits_{0};  // bit pattern of 0.0
};

/// Whole increments go to an integer with one atomic add, as in Go's counter;
/// only fractional amounts pay for a compare-and-swap loop.
class CounterCell {
 public:
  void Inc() {
    if (whole_.fetch_add(1, std::memory_order_relaxed) ==
        std::numeric_limits<std::uint64_t>::max()) {
      fraction_.Add(kTwoTo64);  // see Add
    }
  }
  void Add(double v) {
    // Counters only go up; NaN and negative amounts are dropped, never thrown.
    if (!(v >= 0)) return;
    if (v < kMaxExactWhole && v == std::floor(v)) {
      const auto whole = static_cast<std::uint64_t>(v);
      // The integer wraps past 2^64; put the lost 2^64 where a double keeps it.
      if (whole_.fetch_add(whole, std::memory_order_relaxed) >
          std::numeric_limits<std::uint64_t>::max() - whole) {
        fraction_.Add(kTwoTo64);
      }
    } else {
      fraction_.Add(v);
    }
  }
  double Value() const {
    return static_cast<double>(whole_.load(std::memory_order_relaxed)) + fraction_.Load();
  }
  void Fill(prometheus::ClientMetric& out) const { out.counter.value = Value(); }

  ExemplarStore exemplars;  // one position

 private:
  static constexpr double kMaxExactWhole = 9007199254740992.0;  // 2^53
  static constexpr double kTwoTo64 = 18446744073709551616.0;
  std::atomic<std::uint64_t> whole_{0};
  AtomicDouble fraction_;
};

class GaugeCell {
 public:
  void Set(double v) { value_.Store(v); }
  void Add(double v) { value_.Add(v); }
  void SetToCurrentTime() {
    using std::chrono::duration;
    Set(duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
  double Value() const { return value_.Load(); }
  void Fill(prometheus::ClientMetric& out) const { out.gauge.value = Value(); }

 private:
  AtomicDouble value_;
};

/// Non-cumulative bucket counts (one atomic add per observation); the
/// cumulative form and the count are derived at collect time, so a scrape
/// always sees count == the +Inf bucket.
class HistogramCell {
 public:
  explicit HistogramCell(std::shared_ptr<const std::vector<double>> bounds,
                         std::shared_ptr<const NativeHistogramConfig> native = nullptr)
      : bounds_(std::move(bounds)),
        counts_(new std::atomic<std::uint64_t>[bounds_->size() + 1]),
        native_(native ? std::make_unique<NativeHistogram>(std::move(native)) : nullptr) {
    for (std::size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0);
  }

  void Observe(double v) { ObserveInBucket(BucketIndex(v), v); }

  /// The bucket `v` falls in: the first whose bound is >= v, else +Inf.
  std::size_t BucketIndex(double v) const {
    const std::vector<double>& bounds = *bounds_;
    // Short lists (the ones people use; Go switches at 35 bounds too) are
    // counted without branches: the bounds below v are a prefix of the sorted
    // list, and a data-dependent exit would be mispredicted whenever
    // observations vary.
    // `!(v <= bound)` rather than `v > bound`: NaN is <= no bound, so like
    // client_golang it belongs in +Inf, not in the first bucket.
    std::size_t i = 0;
    if (bounds.size() < 35) {
      for (const double bound : bounds) i += !(v <= bound) ? 1 : 0;
    } else if (std::isnan(v)) {
      i = bounds.size();
    } else {
      i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) -
                                   bounds.begin());
    }
    return i;
  }

  void ObserveInBucket(std::size_t i, double v) {
    // Native first: its dependent loads (layout, directory, chunk) then run
    // while nothing locked is pending; after a locked add they would wait.
    if (native_) native_->Observe(v, &HistogramCell::Restart, this);
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.Add(v);
  }

  /// The native buckets, or null when the histogram has none.
  const NativeHistogram* native() const { return native_.get(); }

  /// Buckets including +Inf.
  std::size_t BucketCount() const { return bounds_->size() + 1; }

  std::uint64_t SampleCount() const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_->size(); ++i) {
      total += counts_[i].load(std::memory_order_relaxed);
    }
    return total;
  }
  double SampleSum() const { return sum_.Load(); }

  void Fill(prometheus::ClientMetric& out) const {
    const std::vector<double>& bounds = *bounds_;
    auto& histogram = out.histogram;
    histogram.bucket.resize(bounds.size() + 1);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += counts_[i].load(std::memory_order_relaxed);
      histogram.bucket[i].cumulative_count = cumulative;
      histogram.bucket[i].upper_bound =
          i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    }
    histogram.sample_count = cumulative;
    histogram.sample_sum = SampleSum();
  }

  ExemplarStore exemplars;  // one position per bucket

 private:
  // The native bucket limit reset the whole histogram: start again, empty;
  // the observation that overflowed is counted right after (ObserveInBucket).
  static void Restart(void* self) {
    auto& cell = *static_cast<HistogramCell*>(self);
    for (std::size_t i = 0; i <= cell.bounds_->size(); ++i) cell.counts_[i].store(0);
    cell.sum_.Store(0);
  }

  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  AtomicDouble sum_;
  std::unique_ptr<NativeHistogram> native_;  // null without native buckets
};

}  // namespace semstreams::metric::detail
