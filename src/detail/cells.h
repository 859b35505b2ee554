#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "detail/exemplar.h"
#include "detail/native_histogram.h"
#include "detail/native_merge.h"
#include "detail/stripes.h"
#include "semstreams/metric/family.h"

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

/// Adds `delta` to the double whose bit pattern `bits` holds, by
/// compare-and-swap: lock-free on every target we build for, unlike
/// std::atomic<double>::fetch_add before C++20.
inline void AddToBits(std::atomic<std::uint64_t>& bits, double delta) {
  std::uint64_t old_bits = bits.load(std::memory_order_relaxed);
  while (!bits.compare_exchange_weak(old_bits, ToBits(FromBits(old_bits) + delta),
                                     std::memory_order_relaxed)) {
  }
}

/// Adds `delta` to a double's bit pattern in this thread's stripe: see AddOwned.
inline void AddOwnedToBits(std::atomic<std::uint64_t>& bits, double delta) {
  bits.store(ToBits(FromBits(bits.load(std::memory_order_relaxed)) + delta),
             std::memory_order_relaxed);
}

/// A double updated by compare-and-swap on its bit pattern (see AddToBits).
class AtomicDouble {
 public:
  double Load() const { return FromBits(bits_.load(std::memory_order_relaxed)); }
  void Store(double v) { bits_.store(ToBits(v), std::memory_order_relaxed); }
  void Add(double delta) { AddToBits(bits_, delta); }
  /// One compare-and-swap: false when another writer got in between, which
  /// is the caller's sign of contention (it then calls Add).
  bool TryAdd(double delta) {
    std::uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    return bits_.compare_exchange_strong(old_bits, ToBits(FromBits(old_bits) + delta),
                                         std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> bits_{0};  // bit pattern of 0.0
};

/// Whole increments go to an integer with one atomic add, as in Go's counter;
/// only fractional amounts pay for a compare-and-swap loop.
///
/// A series that many threads write at a high rate is striped, as Java's
/// LongAdder: once ContentionDetector says so, each thread adds to a stripe
/// of its own and readers add the stripes up. Quiet series pay nothing for
/// this: the detector samples on the ~1 in 1024 increments whose old value
/// ends in ten one bits, the same test that already catches the 2^64 wrap.
class CounterCell {
 public:
  void Inc() {
    if (std::atomic<std::uint64_t>* stripes = stripes_.Get()) [[unlikely]]
      return AddStriped(stripes, 1);
    // Increments left before the word wraps, ending in ten zero bits on ~1 in
    // 1024 increments (and 0 at the wrap): `not` and `test`, nothing to copy.
    const std::uint64_t left = ~whole_.fetch_add(1, std::memory_order_relaxed);
    if (__builtin_expect((left & kSampleMask) == 0, 0)) SampleInc(left);
  }
  void Add(double v) {
    // Counters only go up; NaN and negative amounts are dropped, never thrown.
    if (!(v >= 0)) return;
    if (__builtin_expect(v < kMaxExactWhole && v == std::floor(v), 1)) {
      const auto whole = static_cast<std::uint64_t>(v);
      if (std::atomic<std::uint64_t>* stripes = stripes_.Get()) [[unlikely]] {
        return AddStriped(stripes, whole);
      }
      const std::uint64_t old = whole_.fetch_add(whole, std::memory_order_relaxed);
      // Crossing a multiple of 1024 (2^64 is one): sample, and catch the wrap.
      if (__builtin_expect((old & kSampleMask) + whole > kSampleMask, 0)) SampleAdd(old, whole);
      return;
    }
    AddFraction(v);
  }
  /// Every word added here only grows (and double addition in a fixed order
  /// is monotonic), so a later read never returns less than an earlier one.
  double Value() const {
    double total = static_cast<double>(whole_.load(std::memory_order_relaxed)) + fraction_.Load();
    if (const std::atomic<std::uint64_t>* stripes = stripes_.Get()) {
      const std::size_t count = StripeCount();
      for (std::size_t i = 0; i < count; ++i) {
        const std::atomic<std::uint64_t>* stripe = stripes + i * kStripeWords;
        total += static_cast<double>(stripe[kWholeWord].load(std::memory_order_relaxed)) +
                 FromBits(stripe[kFractionWord].load(std::memory_order_relaxed));
      }
    }
    return total;
  }
  void Fill(Series& out) const { out.value = Value(); }

  /// True once contention striped this cell (for tests).
  bool Striped() const { return stripes_.Get() != nullptr; }
  /// Stripes the cell now, as contention would (for tests).
  void StripeNow() { stripes_.Publish(kStripeWords); }

  ExemplarStore exemplars;  // one position

 private:
  static constexpr double kMaxExactWhole = 9007199254740992.0;  // 2^53
  static constexpr double kTwoTo64 = 18446744073709551616.0;
  static constexpr std::uint64_t kSampleMask = 1023;
  static constexpr std::size_t kWholeWord = 0;  // in each stripe
  static constexpr std::size_t kFractionWord = 1;

  [[gnu::noinline, gnu::cold]] void SampleInc(std::uint64_t left) { SampleAdd(~left, 1); }

  // `whole` was added to `old`, crossing a multiple of 1024.
  [[gnu::noinline, gnu::cold]] void SampleAdd(std::uint64_t old, std::uint64_t whole) {
    // The integer wraps past 2^64; put the lost 2^64 where a double keeps it.
    if (old > std::numeric_limits<std::uint64_t>::max() - whole) fraction_.Add(kTwoTo64);
    if (contention_.Note()) stripes_.Publish(kStripeWords);
  }

  // Out of line, so that the whole-number path saves no registers.
  [[gnu::noinline]] void AddFraction(double v) {
    std::atomic<std::uint64_t>* stripes = stripes_.Get();
    const std::uint32_t index =
        stripes != nullptr ? ThisThreadStripe() : stripes_internal::kNoStripe;
    if (index == stripes_internal::kNoStripe) return fraction_.Add(v);
    AddOwnedToBits(stripes[std::size_t{index} * kStripeWords + kFractionWord], v);
  }

  // No locked instruction, as the thread owns its stripe. Inline: it needs
  // no register the caller saves (the rest tail-calls out), and out of line
  // it cost a striped thread 1.05 to 1.6x an unstriped one instead of 0.8 to
  // 1.1x (bench/run's striped counter row).
  void AddStriped(std::atomic<std::uint64_t>* stripes, std::uint64_t whole) {
    const std::uint32_t index = stripes_internal::tls_stripe;
    if (__builtin_expect(index >= stripes_internal::kNoStripe, 0)) {
      return AddUnowned(stripes, whole);
    }
    std::atomic<std::uint64_t>* stripe = stripes + std::size_t{index} * kStripeWords;
    if (AddOwned(stripe[kWholeWord], whole) > std::numeric_limits<std::uint64_t>::max() - whole) {
      AddOwnedToBits(stripe[kFractionWord], kTwoTo64);
    }
  }

  // The thread's first striped write, or a thread that found no stripe free:
  // the latter adds to the cell's own words, atomically, as before striping.
  [[gnu::noinline, gnu::cold]] void AddUnowned(std::atomic<std::uint64_t>* stripes,
                                               std::uint64_t whole) {
    if (ThisThreadStripe() != stripes_internal::kNoStripe) return AddStriped(stripes, whole);
    if (whole_.fetch_add(whole, std::memory_order_relaxed) >
        std::numeric_limits<std::uint64_t>::max() - whole) {
      fraction_.Add(kTwoTo64);
    }
  }

  std::atomic<std::uint64_t> whole_{0};
  AtomicDouble fraction_;
  LazyStripes stripes_;            // null until contended; in the node's padding
  ContentionDetector contention_;  // likewise
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
  void Fill(Series& out) const { out.value = Value(); }

 private:
  AtomicDouble value_;
};

/// Non-cumulative bucket counts (one atomic add per observation); the
/// cumulative form and the count are derived at collect time, so a scrape
/// always sees count == the +Inf bucket.
///
/// Striped like CounterCell when several threads observe at a high rate: the
/// sign is a failed compare-and-swap on the sum, which quiet series never
/// see. Each stripe holds bucket counts and a sum; Fill adds them up, and the
/// count still comes from the summed buckets. A native part without a bucket
/// limit is striped too: each stripe has a NativeHistogram of the same config
/// (schema and zero threshold never change without a limit), merged at
/// collect time. A native part with a bucket limit needs one view of all
/// observations to decide a reset, so such histograms never stripe.
class HistogramCell {
 public:
  explicit HistogramCell(std::shared_ptr<const std::vector<double>> bounds,
                         const std::shared_ptr<const NativeHistogramConfig>& native = nullptr)
      : bounds_(std::move(bounds)),
        counts_(new std::atomic<std::uint64_t>[bounds_->size() + 1]),
        native_(native ? std::make_unique<NativeHistogram>(native) : nullptr) {
    for (std::size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0);
  }
  HistogramCell(const HistogramCell&) = delete;
  HistogramCell& operator=(const HistogramCell&) = delete;
  ~HistogramCell() { delete[] native_parts_.load(std::memory_order_relaxed); }

  // Both ways are tail calls, so that a striped thread goes to its stripe's
  // leaf function before anything saves a register (the native part, inline
  // in the unstriped way, needs many).
  void Observe(double v) {
    if (std::atomic<std::uint64_t>* stripes = stripes_.Get()) [[unlikely]]
      return ObserveStriped(stripes, v);
    ObserveUnstriped(v);
  }

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
    if (std::atomic<std::uint64_t>* stripes = stripes_.Get()) [[unlikely]] {
      return ObserveStripedInBucket(stripes, i, v);
    }
    ObserveUnstriped(i, v);
  }

  void ObserveUnstriped(std::size_t i, double v) {
    // Native first: its dependent loads (layout, directory, chunk) then run
    // while nothing locked is pending; after a locked add they would wait.
    if (native_) native_->Observe(v, &HistogramCell::Restart, this);
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    if (__builtin_expect(!sum_.TryAdd(v), 0)) AddContended(v);
  }

  /// The native buckets, or null when the histogram has none (once striped,
  /// only the part recorded outside stripes: read them with CollectNative).
  const NativeHistogram* native() const { return native_.get(); }

  /// The native buckets, the stripes' included; only when native() is set.
  void CollectNative(NativeHistogramSnapshot& out) const {
    native_->Collect(out);
    const NativePart* parts = native_parts_.load(std::memory_order_acquire);
    if (parts == nullptr) return;
    for (std::size_t s = 0; s < StripeCount(); ++s) {
      NativeHistogramSnapshot snapshot;
      parts[s]->histogram.Collect(snapshot);
      MergeNative(out, snapshot);
    }
  }

  /// Buckets including +Inf.
  std::size_t BucketCount() const { return bounds_->size() + 1; }

  std::uint64_t SampleCount() const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_->size(); ++i) total += BucketTotal(i);
    return total;
  }
  double SampleSum() const {
    double total = sum_.Load();
    if (const std::atomic<std::uint64_t>* stripes = stripes_.Get()) {
      const std::size_t stride = Stride();
      const std::size_t count = StripeCount();
      for (std::size_t s = 0; s < count; ++s) {
        total += FromBits(stripes[s * stride + kSumWord].load(std::memory_order_relaxed));
      }
    }
    return total;
  }

  void Fill(Series& out) const {
    const std::vector<double>& bounds = *bounds_;
    out.buckets.resize(bounds.size() + 1);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += BucketTotal(i);
      out.buckets[i].cumulative_count = cumulative;
      out.buckets[i].upper_bound =
          i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    }
    out.count = cumulative;
    out.sum = SampleSum();
  }

  /// True once contention striped this cell (for tests).
  bool Striped() const { return stripes_.Get() != nullptr; }
  /// Stripes the cell now, as contention would (for tests).
  void StripeNow() { Stripe(); }

  ExemplarStore exemplars;  // one position per bucket

 private:
  // One native histogram per stripe, same config as native_, each on lines
  // of its own (its counters are written by its thread only). Optional, so
  // that an array of them is one allocation filled in place.
  struct alignas(kStripeBytes) NativeStripe {
    explicit NativeStripe(std::shared_ptr<const NativeHistogramConfig> config)
        : histogram(std::move(config)) {}
    NativeHistogram histogram;
  };
  using NativePart = std::optional<NativeStripe>;

  // In each stripe: the sum's bit pattern, then the bucket counts.
  static constexpr std::size_t kSumWord = 0;
  static constexpr std::size_t kFirstCount = 1;
  std::size_t Stride() const { return stride_; }

  // Bucket i's count, its stripes included.
  std::uint64_t BucketTotal(std::size_t i) const {
    std::uint64_t total = counts_[i].load(std::memory_order_relaxed);
    if (const std::atomic<std::uint64_t>* stripes = stripes_.Get()) {
      const std::size_t stride = Stride();
      const std::size_t count = StripeCount();
      for (std::size_t s = 0; s < count; ++s) {
        total += stripes[s * stride + kFirstCount + i].load(std::memory_order_relaxed);
      }
    }
    return total;
  }

  bool Stripable() const { return !native_ || native_->config()->max_buckets == 0; }

  // Another writer changed the sum under us: finish the add, and let the
  // detector judge whether this series is contended.
  [[gnu::noinline, gnu::cold]] void AddContended(double v) {
    sum_.Add(v);
    if (Stripable() && contention_.Note()) Stripe();
  }

  // The native parts first, then the words: whoever sees the words sees the
  // parts. Out of memory, the cell stays unstriped.
  void Stripe() noexcept {
    if (!Stripable() || stripes_.Get() != nullptr) return;
    if (native_ && native_parts_.load(std::memory_order_acquire) == nullptr) {
      NativePart* parts = nullptr;
      try {
        std::unique_ptr<NativePart[]> made(new NativePart[StripeCount()]);
        for (std::size_t s = 0; s < StripeCount(); ++s) made[s].emplace(native_->config());
        parts = made.release();
      } catch (const std::bad_alloc&) {
        return;
      }
      NativePart* expected = nullptr;
      if (!native_parts_.compare_exchange_strong(expected, parts, std::memory_order_acq_rel)) {
        delete[] parts;
      }
    }
    stripes_.Publish(Stride());
  }

  // Classic only, this saves no registers; with a native part, which needs
  // many, the work moves to a function of its own.
  [[gnu::noinline]] void ObserveStriped(std::atomic<std::uint64_t>* stripes, double v) noexcept {
    if (native_) return ObserveStripedWithNative(stripes, v);
    AddToStripe<false>(stripes, BucketIndex(v), v);
  }
  [[gnu::noinline]] void ObserveStripedWithNative(std::atomic<std::uint64_t>* stripes,
                                                  double v) noexcept {
    AddToStripe<true>(stripes, BucketIndex(v), v);
  }
  [[gnu::noinline]] void ObserveUnstriped(double v) noexcept {
    ObserveUnstriped(BucketIndex(v), v);
  }

  // Out of line, so that ObserveWithExemplar, which inlines ObserveInBucket,
  // does not carry both striped variants.
  [[gnu::noinline]] void ObserveStripedInBucket(std::atomic<std::uint64_t>* stripes, std::size_t i,
                                                double v) noexcept {
    native_ ? AddToStripe<true>(stripes, i, v) : AddToStripe<false>(stripes, i, v);
  }

  // No locked instruction: the thread owns its stripe. The native part
  // (no bucket limit: Stripable) first, as in ObserveUnstriped.
  template <bool kNative>
  void AddToStripe(std::atomic<std::uint64_t>* stripes, std::size_t i, double v) {
    const std::uint32_t s = stripes_internal::tls_stripe;
    if (__builtin_expect(s >= stripes_internal::kNoStripe, 0)) {
      return ObserveUnowned(stripes, i, v);
    }
    if constexpr (kNative) {
      native_parts_.load(std::memory_order_acquire)[s]->histogram.ObserveOwned(v);
    }
    std::atomic<std::uint64_t>* stripe = stripes + std::size_t{s} * Stride();
    AddOwned(stripe[kFirstCount + i], 1);
    AddOwnedToBits(stripe[kSumWord], v);
  }

  // As CounterCell::AddUnowned. A failed compare-and-swap on the sum still
  // notes contention, which changes nothing once the cell is striped.
  [[gnu::noinline, gnu::cold]] void ObserveUnowned(std::atomic<std::uint64_t>* stripes,
                                                   std::size_t i, double v) {
    if (ThisThreadStripe() != stripes_internal::kNoStripe) {
      return ObserveStripedInBucket(stripes, i, v);
    }
    ObserveUnstriped(i, v);
  }

  // The native bucket limit reset the whole histogram: start again, empty;
  // the observation that overflowed is counted right after (ObserveInBucket).
  // Histograms with a limit never stripe, so the stripes need no reset.
  static void Restart(void* self) {
    auto& cell = *static_cast<HistogramCell*>(self);
    for (std::size_t i = 0; i <= cell.bounds_->size(); ++i) cell.counts_[i].store(0);
    cell.sum_.Store(0);
  }

  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  AtomicDouble sum_;
  std::unique_ptr<NativeHistogram> native_;  // null without native buckets
  // The rest fits in the child node's padding: a quiet series costs no more.
  LazyStripes stripes_;  // null until contended
  ContentionDetector contention_;
  // StripeCount() parts; null until striped with a native part; freed with
  // the cell.
  std::atomic<NativePart*> native_parts_{nullptr};
  const std::uint32_t stride_ = static_cast<std::uint32_t>(StripeStride(bounds_->size() + 2));
};

}  // namespace semstreams::metric::detail
