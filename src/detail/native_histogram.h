#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "detail/stripes.h"
#include "semstreams/metric/family.h"

namespace semstreams::metric {
struct HistogramOpts;
}

namespace semstreams::metric::detail {

/// The native-bucket options of one histogram, resolved as client_golang 1.14
/// resolves them (schema picked from the factor, default zero threshold).
struct NativeHistogramConfig {
  std::int32_t schema = 0;
  double zero_threshold = 0;
  std::uint32_t max_buckets = 0;  // 0: unlimited
  std::chrono::nanoseconds min_reset_duration{0};
  double max_zero_threshold = 0;
  /// Monotonic time for min_reset_duration; tests inject their own.
  std::function<std::chrono::nanoseconds()> now;
};

/// The config for `opts`, or null when native buckets are off (factor <= 1).
std::shared_ptr<const NativeHistogramConfig> MakeNativeHistogramConfig(const HistogramOpts& opts);

/// client_golang's pickSchema: the largest n in [-4, 8] with 2^(2^-n) <= factor.
std::int32_t PickNativeSchema(double factor);

/// One run of consecutive native buckets, as in io.prometheus.client.BucketSpan.
using NativeBucketSpan = NativeSpan;

/// A native histogram's state as the writers need it.
using NativeHistogramSnapshot = NativeBuckets;

namespace native {

inline constexpr int kMinSchema = -4;
inline constexpr int kMaxSchema = 8;

/// client_golang's nativeHistogramBounds for schemas 1..8, each followed by a
/// 1.0 sentinel: the fractions (in [0.5, 1)) at which buckets end.
extern const std::array<double, 518> kBounds;
/// Where schema s's bounds start in kBounds.
extern const std::array<std::uint16_t, 9> kBoundsStart;
/// For schema s, 2^(s+1) entries: how many bounds lie below each of the equal
/// slices of [0.5, 1) that the top s+1 mantissa bits select. A slice holds
/// at most one bound, so one comparison finishes the search.
extern const std::array<std::uint16_t, 1024> kBelow;
extern const std::array<std::uint16_t, 9> kBelowStart;

/// kBelow with the bound it points at beside it, so that a lookup is one load.
struct SliceBound {
  double bound;
  std::uint32_t index;
};
extern const std::array<SliceBound, 1024> kSlices;

/// Key() for schemas <= 0, out of line: it divides.
std::int32_t CoarseKey(int exp, bool power_of_two, int schema);

/// The bucket key of x > 0 (x finite; ±Inf arrive here as DBL_MAX) at
/// `schema` (whose kSlices start at `slices`), exactly as client_golang 1.14
/// computes it.
inline std::int32_t Key(double x, int schema, const SliceBound* slices) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int exp = static_cast<int>((bits >> 52) & 0x7ff);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  if (__builtin_expect(exp == 0, 0)) {  // subnormal: normalise as frexp does
    const int shift = __builtin_clzll(mantissa) - 11;
    mantissa = (mantissa << shift) & ((std::uint64_t{1} << 52) - 1);
    exp = 1 - shift;
  }
  exp -= 1022;  // frexp's exponent: x = frac * 2^exp, frac in [0.5, 1)
  if (schema > 0) {
    const SliceBound& slice = slices[mantissa >> (52 - (schema + 1))];
    std::uint64_t frac_bits = mantissa | (std::uint64_t{1022} << 52);
    double frac;
    std::memcpy(&frac, &frac_bits, sizeof frac);
    const auto i = static_cast<std::int32_t>(slice.index + (slice.bound < frac ? 1 : 0));
    return i + (exp - 1) * (1 << schema);
  }
  return CoarseKey(exp, mantissa == 0, schema);
}

/// Key() for a schema given by number.
inline std::int32_t Key(double x, int schema) {
  return Key(x, schema, schema > 0 ? &kSlices[kBelowStart[schema]] : nullptr);
}

/// client_golang's getLe: the upper bound of bucket `key` at `schema`.
double UpperBound(std::int32_t key, int schema);

/// The key a bucket moves to when the resolution halves.
inline std::int32_t HalveKey(std::int32_t key) {
  if (key > 0) ++key;
  return key / 2;
}

/// Sparse counts of one sign at one schema: a directory of fixed chunks of
/// atomic counters. Chunks never move once published, and replaced
/// directories are kept until destruction, so a recorder may hold either
/// without a lock. A count of 0 means "no bucket". Growth happens under the
/// owner's mutex.
class Buckets {
 public:
  static constexpr int kChunkBits = 5;
  static constexpr std::int32_t kChunkSize = 1 << kChunkBits;

  /// The counter of `key`, or null when its chunk does not exist yet.
  std::atomic<std::uint64_t>* Find(std::int32_t key) const {
    const Directory* dir = dir_.load(std::memory_order_acquire);
    if (dir == nullptr) return nullptr;
    const std::int64_t c = (key >> kChunkBits) - dir->first;
    if (static_cast<std::uint64_t>(c) >= dir->size) return nullptr;
    Chunk* chunk = dir->chunks()[c].load(std::memory_order_acquire);
    if (chunk == nullptr) return nullptr;
    return &chunk->counts[key & (kChunkSize - 1)];
  }

  /// The counter of `key`, creating its chunk. Caller holds the owner's mutex.
  std::atomic<std::uint64_t>& Make(std::int32_t key);

  /// Calls f(key, counter) for every chunk slot in key order. Caller holds
  /// the owner's mutex.
  template <class F>
  void ForEach(F&& f) const {
    const Directory* dir = dir_.load(std::memory_order_relaxed);
    if (dir == nullptr) return;
    for (std::size_t c = 0; c < dir->size; ++c) {
      Chunk* chunk = dir->chunks()[c].load(std::memory_order_relaxed);
      if (chunk == nullptr) continue;
      const auto base =
          static_cast<std::int32_t>((dir->first + static_cast<std::int64_t>(c)) << kChunkBits);
      for (std::int32_t i = 0; i < kChunkSize; ++i) f(base + i, chunk->counts[i]);
    }
  }

  /// Bytes held, for the memory report.
  std::size_t MemoryBytes() const;

 private:
  struct Chunk {
    Chunk() {
      for (auto& count : counts) count.store(0, std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t> counts[kChunkSize];
  };
  // A header followed, in the same allocation, by `size` chunk pointers: the
  // recorder finds a chunk pointer one load after the directory, not two.
  struct Directory {
    std::int64_t first;  // chunk number of chunks()[0]
    std::size_t size;
    std::atomic<Chunk*>* chunks() const {
      return std::launder(reinterpret_cast<std::atomic<Chunk*>*>(
          const_cast<Directory*>(this) + 1));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
    /// A directory of `size` empty slots starting at chunk number `first`.
    static Directory* New(std::int64_t first, std::size_t size);
    struct Delete {
      void operator()(Directory* dir) const;
    };
  };
  static_assert(sizeof(Directory) % alignof(std::atomic<Chunk*>) == 0);

  std::atomic<Directory*> dir_{nullptr};
  std::vector<std::unique_ptr<Directory, Directory::Delete>> directories_;  // every one published
  std::vector<std::unique_ptr<Chunk>> chunks_;
};

/// The buckets of one schema. One exists per schema ever used, so that a
/// recorder that read an old layout still counts with that layout's schema.
struct Layout {
  explicit Layout(int s) : schema(s), slices(s > 0 ? &kSlices[kBelowStart[s]] : nullptr) {}
  const int schema;
  const SliceBound* const slices;
  Buckets positive, negative;
  std::atomic<std::int64_t> bucket_number{0};
};

}  // namespace native

/// client_golang 1.14's sparse buckets: recording is lock-free and allocates
/// nothing once a bucket's chunk exists; the bucket limit strategy (reset,
/// widen the zero bucket, halve the resolution) runs under a mutex, as it is
/// rare. A recorder racing with it may land in a layout that was just
/// replaced; the next Collect or limit step folds such late counts in.
/// The class is thread-safe.
class NativeHistogram {
 public:
  /// Called, under the native mutex, when the bucket limit resets the whole
  /// histogram: the owner empties its classic part. The owner counts the
  /// observation in its classic part after Observe returns.
  using RestartHook = void (*)(void* owner);

  explicit NativeHistogram(std::shared_ptr<const NativeHistogramConfig> config);
  NativeHistogram(const NativeHistogram&) = delete;
  NativeHistogram& operator=(const NativeHistogram&) = delete;

  void Observe(double v, RestartHook restart, void* owner) { Record<false>(v, restart, owner); }

  /// Observe for a histogram without a bucket limit that only this thread
  /// records into (a stripe's): plain adds, no locked instruction. Readers
  /// never write its counts, as nothing is folded without a limit.
  void ObserveOwned(double v) {
    assert(max_buckets_ == 0);
    Record<true>(v, nullptr, nullptr);
  }

  /// The current state, late counts folded in.
  void Collect(NativeHistogramSnapshot& out) const;

  /// Bytes held by this histogram's native part, for the memory report.
  std::size_t MemoryBytes() const;

  const std::shared_ptr<const NativeHistogramConfig>& config() const { return config_; }

 private:
  template <bool kOwned>
  static std::uint64_t Bump(std::atomic<std::uint64_t>& count) {
    if constexpr (kOwned) {
      return AddOwned(count, 1);
    } else {
      return count.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Inline in both callers: out of line, a striped native Observe cost 15%
  // more than an unstriped one.
  template <bool kOwned>
  [[gnu::always_inline]] void Record(double v, RestartHook restart, void* owner) {
    if (std::isnan(v)) return;  // counted in count and sum only, as in Go
    native::Layout* layout = current_.load(std::memory_order_acquire);
    const double threshold = zero_threshold_.load(std::memory_order_relaxed);
    bool inf = false;
    if (std::isinf(v)) {  // Go files ±Inf one bucket past ±DBL_MAX
      v = v > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
      inf = true;
    }
    std::int64_t created = 0;
    if (v > threshold || v < -threshold) {
      native::Buckets& side = v > 0 ? layout->positive : layout->negative;
      const std::int32_t key =
          native::Key(std::fabs(v), layout->schema, layout->slices) + (inf ? 1 : 0);
      std::atomic<std::uint64_t>* count = side.Find(key);
      if (count == nullptr) return ObserveSlow(v, inf, restart, owner);
      created = Bump<kOwned>(*count) == 0 ? 1 : 0;
    } else {
      Bump<kOwned>(zero_count_);
    }
    if (max_buckets_ == 0) return;
    const std::int64_t number =
        created != 0 ? layout->bucket_number.fetch_add(1, std::memory_order_relaxed) + 1
                     : layout->bucket_number.load(std::memory_order_relaxed);
    if (number > max_buckets_) LimitBuckets(v, inf, restart, owner);
  }

  [[gnu::cold, gnu::noinline]] void ObserveSlow(double v, bool inf, RestartHook restart,
                                                void* owner);
  [[gnu::cold, gnu::noinline]] void LimitBuckets(double v, bool inf, RestartHook restart,
                                                 void* owner);
  // The rest run under mu_.
  bool ObserveLocked(double v, bool inf);
  void LimitLocked(double v, bool inf, RestartHook restart, void* owner);
  void Normalize() const;
  bool MaybeReset(double v, bool inf, RestartHook restart, void* owner);
  bool MaybeWidenZeroBucket();
  void DoubleBucketWidth();
  native::Layout& LayoutFor(int schema) const;

  const std::shared_ptr<const NativeHistogramConfig> config_;
  const std::int64_t max_buckets_;
  std::atomic<native::Layout*> current_{nullptr};
  std::atomic<double> zero_threshold_;
  mutable std::atomic<std::uint64_t> zero_count_{0};
  mutable std::mutex mu_;
  mutable std::array<std::unique_ptr<native::Layout>, native::kMaxSchema - native::kMinSchema + 1>
      layouts_;
  std::chrono::nanoseconds last_reset_;
};

}  // namespace semstreams::metric::detail
