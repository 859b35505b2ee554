#include "detail/stripes.h"

#include <chrono>
#include <new>
#include <thread>

namespace semstreams::metric::detail {

namespace {

constexpr std::size_t kMaxStripes = 64;
constexpr std::align_val_t kStripeAlign{kStripeBytes};

// Consecutive samples this close together are written at >= 5 million per
// second by the pair of threads: a rate at which they fight over the line.
constexpr std::uint64_t kWindowMicros = 200;
// Alternations in a row: one thread sampling twice resets the count, so a
// hot thread with an occasional second writer never stripes.
constexpr std::uint64_t kStrikes = 3;

constexpr std::uint64_t kTokenBits = 16;
constexpr std::uint64_t kStrikeBits = 8;
constexpr std::uint64_t kTimeBits = 64 - kTokenBits - kStrikeBits;
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << kTimeBits) - 1;

std::size_t ComputeStripeCount() noexcept {
  const std::size_t threads = std::thread::hardware_concurrency();
  std::size_t count = 2;
  while (count < threads && count < kMaxStripes) count *= 2;
  return count;
}

}  // namespace

std::size_t StripeCount() noexcept {
  static const std::size_t count = ComputeStripeCount();
  return count;
}

namespace stripes_internal {
namespace {
// Bit i set: stripe i belongs to a live thread. Constant-initialised and
// trivially destructible, so threads that exit after main() can still clear
// their bit.
std::atomic<std::uint64_t> stripes_in_use{0};

// Gives the thread's stripe back when it exits, so that a thread started
// later (a new pool worker, a benchmark's fresh thread) does not land on the
// stripe of one still running. Release here and acquire in AssignThread: the
// next owner's first load sees this owner's last store, so no add is lost.
// A thread_local destructor that runs after this one and records a metric
// writes the cells' own words (kNoStripe), not the stripe now given away.
struct StripeLease {
  std::uint64_t bit = 0;
  ~StripeLease() {
    tls_stripe = kNoStripe;
    if (bit != 0) stripes_in_use.fetch_and(~bit, std::memory_order_release);
  }
};
thread_local StripeLease lease;
}  // namespace

std::uint32_t AssignThread() noexcept {
  static std::atomic<std::uint32_t> next{0};
  tls_token = next.fetch_add(1, std::memory_order_relaxed) + 1;  // 0 is "unassigned"
  const std::size_t count = StripeCount();
  const std::uint64_t all = count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
  std::uint32_t stripe = kNoStripe;
  std::uint64_t used = stripes_in_use.load(std::memory_order_acquire);
  while ((used & all) != all) {
    const auto free = static_cast<std::uint32_t>(__builtin_ctzll(~used & all));
    const std::uint64_t bit = std::uint64_t{1} << free;
    if (stripes_in_use.compare_exchange_weak(used, used | bit, std::memory_order_acquire)) {
      stripe = free;
      lease.bit = bit;
      break;
    }
  }
  tls_stripe = stripe;
  return stripe;
}
}  // namespace stripes_internal

std::atomic<std::uint64_t>* AllocateStripes(std::size_t stride) noexcept {
  const std::size_t words = stride * StripeCount();
  void* memory = ::operator new(words * sizeof(std::uint64_t), kStripeAlign, std::nothrow);
  if (memory == nullptr) return nullptr;
  auto* first = static_cast<std::atomic<std::uint64_t>*>(memory);
  for (std::size_t i = 0; i < words; ++i) new (first + i) std::atomic<std::uint64_t>(0);
  return first;
}

void FreeStripes(std::atomic<std::uint64_t>* stripes) noexcept {
  // std::atomic<std::uint64_t> is trivially destructible: no destructors to run.
  if (stripes != nullptr) ::operator delete(stripes, kStripeAlign);
}

void LazyStripes::Publish(std::size_t stride) noexcept {
  if (words_.load(std::memory_order_relaxed) != nullptr) return;
  std::atomic<std::uint64_t>* mine = AllocateStripes(stride);
  if (mine == nullptr) return;
  std::atomic<std::uint64_t>* expected = nullptr;
  if (!words_.compare_exchange_strong(expected, mine, std::memory_order_release,
                                      std::memory_order_relaxed)) {
    FreeStripes(mine);
  }
}

bool ContentionDetector::Note() noexcept {
  ThisThreadStripe();  // assigns the token too
  const std::uint64_t token = stripes_internal::tls_token & ((1u << kTokenBits) - 1);
  const auto now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count()) &
      kTimeMask;
  const std::uint64_t before = state_.load(std::memory_order_relaxed);
  const std::uint64_t last_token = before & ((1u << kTokenBits) - 1);
  const std::uint64_t last_strikes = (before >> kTokenBits) & ((1u << kStrikeBits) - 1);
  const std::uint64_t last_time = before >> (kTokenBits + kStrikeBits);
  std::uint64_t strikes = 0;
  if (before != 0 && ((now - last_time) & kTimeMask) <= kWindowMicros && last_token != token) {
    strikes = last_strikes + 1;
  }
  if (strikes >= kStrikes) return true;
  // A plain store: a lost update between racing samplers only delays the verdict.
  state_.store(token | (strikes << kTokenBits) | (now << (kTokenBits + kStrikeBits)),
               std::memory_order_relaxed);
  return false;
}

}  // namespace semstreams::metric::detail
