#pragma once

// The baseline "main's unstriped cell": CounterCell as it was before lazy
// striping (one atomic add and a wrap check), frozen here verbatim so that
// bench/contention_bench.cc shows, in one run, that a quiet series kept its
// speed.

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace semstreams::metric::bench {

class BaselineAtomicDouble {
 public:
  double Load() const {
    double v;
    const std::uint64_t bits = bits_.load(std::memory_order_relaxed);
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  void Add(double delta) {
    std::uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    double old;
    std::uint64_t new_bits;
    do {
      std::memcpy(&old, &old_bits, sizeof old);
      const double sum = old + delta;
      std::memcpy(&new_bits, &sum, sizeof new_bits);
    } while (!bits_.compare_exchange_weak(old_bits, new_bits, std::memory_order_relaxed));
  }

 private:
  std::atomic<std::uint64_t> bits_{0};
};

class BaselineCounterCell {
 public:
  void Inc() {
    if (whole_.fetch_add(1, std::memory_order_relaxed) ==
        std::numeric_limits<std::uint64_t>::max()) {
      fraction_.Add(kTwoTo64);
    }
  }
  void Add(double v) {
    if (!(v >= 0)) return;
    if (v < kMaxExactWhole && v == std::floor(v)) {
      const auto whole = static_cast<std::uint64_t>(v);
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

 private:
  static constexpr double kMaxExactWhole = 9007199254740992.0;  // 2^53
  static constexpr double kTwoTo64 = 18446744073709551616.0;
  std::atomic<std::uint64_t> whole_{0};
  BaselineAtomicDouble fraction_;
};

}  // namespace semstreams::metric::bench
