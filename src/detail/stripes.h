#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace semstreams::metric::detail {

/// Bytes of one stripe: two cache lines, because adjacent-line prefetch moves
/// lines in pairs and would otherwise let neighbouring stripes fight.
inline constexpr std::size_t kStripeBytes = 128;
inline constexpr std::size_t kStripeWords = kStripeBytes / sizeof(std::uint64_t);

/// Stripes of a striped cell: hardware threads rounded up to a power of two,
/// at least 2 and at most 64, the same for every cell of the process.
std::size_t StripeCount() noexcept;

namespace stripes_internal {
inline constexpr std::uint32_t kUnassigned = 0xFFFFFFFFu;
/// A thread that found every stripe held by a live thread: it writes the
/// cell's own words, atomically, as before striping.
inline constexpr std::uint32_t kNoStripe = 0xFFFFFFFEu;
// Constant-initialised, so reading them is a plain TLS load.
inline thread_local std::uint32_t tls_stripe = kUnassigned;
inline thread_local std::uint32_t tls_token = 0;
/// Gives this thread its number (for ContentionDetector) and its stripe, or
/// kNoStripe.
std::uint32_t AssignThread() noexcept;
}  // namespace stripes_internal

/// The stripe this thread owns, in [0, StripeCount()), or kNoStripe: a
/// thread takes the lowest stripe no live thread holds on first use and
/// frees it on exit. A stripe has one writer at a time, so its words are
/// written with a load and a store, no locked instruction (AddOwned).
inline std::uint32_t ThisThreadStripe() noexcept {
  std::uint32_t stripe = stripes_internal::tls_stripe;
  if (__builtin_expect(stripe == stripes_internal::kUnassigned, 0)) {
    stripe = stripes_internal::AssignThread();
  }
  return stripe;
}

/// Adds to a word of this thread's stripe; returns the old value. Only the
/// owner writes it, so a load and a store suffice; readers still see every
/// value whole, and in order.
inline std::uint64_t AddOwned(std::atomic<std::uint64_t>& word, std::uint64_t delta) noexcept {
  const std::uint64_t old = word.load(std::memory_order_relaxed);
  word.store(old + delta, std::memory_order_relaxed);
  return old;
}

/// StripeCount() stripes of `stride` zeroed atomic words each (stride a
/// multiple of kStripeWords), on lines of their own; nullptr if out of memory.
std::atomic<std::uint64_t>* AllocateStripes(std::size_t stride) noexcept;
/// Frees what AllocateStripes returned (null is fine).
void FreeStripes(std::atomic<std::uint64_t>* stripes) noexcept;

/// `words` rounded up to whole stripes.
inline constexpr std::size_t StripeStride(std::size_t words) {
  return (words + kStripeWords - 1) / kStripeWords * kStripeWords;
}

/// The stripes of one cell, allocated once when the cell turns out to be
/// contended and kept for the cell's life: every word only grows, so a reader
/// that adds the cell and its stripes never sees a total go down.
class LazyStripes {
 public:
  LazyStripes() = default;
  LazyStripes(const LazyStripes&) = delete;
  LazyStripes& operator=(const LazyStripes&) = delete;
  ~LazyStripes() { FreeStripes(words_.load(std::memory_order_relaxed)); }

  /// The stripes, or null while the cell is not striped. Acquire: the zeroed
  /// words are visible to whoever sees the pointer.
  std::atomic<std::uint64_t>* Get() const noexcept {
    return words_.load(std::memory_order_acquire);
  }

  /// Allocates and publishes stripes of `stride` words, unless another
  /// thread won the race; on allocation failure the cell stays unstriped.
  void Publish(std::size_t stride) noexcept;

 private:
  std::atomic<std::atomic<std::uint64_t>*> words_{nullptr};
};

/// Tells a series written by several threads at a high rate from one written
/// by a single thread, or by several slowly. Writers call Note on ~1 in 1024
/// writes (or on a failed compare-and-swap); the series counts as contended
/// after several samples in a row came from a thread other than the previous
/// sample's and within kWindow of it. One word: thread token, coarse time and
/// strike count.
class ContentionDetector {
 public:
  /// Notes a sample by this thread; true once the series is contended.
  bool Note() noexcept;

 private:
  std::atomic<std::uint64_t> state_{0};
};

}  // namespace semstreams::metric::detail
