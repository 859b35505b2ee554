#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "detail/snapshot.h"
#include "semstreams/metric/exemplar.h"

namespace semstreams::metric {
class Counter;
}  // namespace semstreams::metric

namespace semstreams::metric::detail {

/// OpenMetrics' limit on an exemplar's label set, in UTF-8 characters of
/// names and values together.
inline constexpr std::size_t kExemplarMaxChars = 128;

/// Bytes an encoded label set may take. Names are ASCII, values at most 4
/// bytes a character, and each pair costs 3 bytes of framing, no more than
/// its name's (at least one) character: 4 bytes x 128 characters covers all.
inline constexpr std::size_t kExemplarMaxBytes = 4 * kExemplarMaxChars;

/// One exemplar, published with a sequence lock whose payload is atomic
/// words: readers never block writers, and no access is a data race.
struct ExemplarSlot {
  std::atomic<std::uint64_t> seq{0};  // odd while written; 0: never written
  std::atomic<std::uint64_t> value{0};
  std::atomic<std::uint64_t> timestamp{0};  // wall clock, ns since the epoch
  std::atomic<std::uint64_t> size{0};       // bytes of `words` in use
  std::atomic<std::uint64_t> words[kExemplarMaxBytes / 8] = {};
};

/// The newest exemplar of each of `count` positions (a counter has one, a
/// histogram one per bucket). The slots are allocated on the first exemplar,
/// once per series lifetime, so a series that never records one costs a
/// pointer. Recording is noexcept, lock-free and allocates nothing after that.
class ExemplarStore {
 public:
  ExemplarStore() = default;
  ExemplarStore(const ExemplarStore&) = delete;
  ExemplarStore& operator=(const ExemplarStore&) = delete;
  ~ExemplarStore() { delete[] slots_.load(std::memory_order_relaxed); }

  /// Keeps `labels` with `value` and the current time as position `index`'s
  /// exemplar. Invalid or over-long label sets are dropped and counted.
  void Record(std::size_t index, std::size_t count, double value, ExemplarLabels labels) noexcept;

  /// True once any exemplar was recorded (a cheap check before Read).
  bool Recorded() const noexcept { return slots_.load(std::memory_order_acquire) != nullptr; }

  /// The exemplar at `index`, if one was recorded there and a consistent
  /// copy could be read while writers kept it busy.
  bool Read(std::size_t index, ExemplarSample& out) const;

 private:
  std::atomic<ExemplarSlot*> slots_{nullptr};
};

/// The process-wide counter of exemplars dropped for their labels,
/// semstreams_metric_exemplars_dropped_total, which every registry exports.
const Counter& ExemplarsDropped();

}  // namespace semstreams::metric::detail
