#include "detail/thread_cache.h"

#include <atomic>
#include <new>

namespace semstreams::metric::detail {
namespace {

static_assert((kThreadCacheSlots & (kThreadCacheSlots - 1)) == 0,
              "slot count must be a power of two");

// Heap-allocated on first use so that threads which never record pay nothing,
// and so that the static TLS block of a shared library stays small.
thread_local std::unique_ptr<CacheEntry[]> tls_slots;

}  // namespace

CacheEntry* ThreadCacheSlot(std::uint64_t owner, std::uint64_t hash) noexcept {
  CacheEntry* slots = tls_slots.get();
  if (slots == nullptr) {
    tls_slots.reset(new (std::nothrow) CacheEntry[kThreadCacheSlots]);
    slots = tls_slots.get();
    if (slots == nullptr) return nullptr;
  }
  const std::uint64_t mixed = (hash ^ (owner * 0xD6E8FEB86659FD93ull)) * 0x9E3779B97F4A7C15ull;
  return &slots[mixed >> (64 - 10)];
}

static_assert(kThreadCacheSlots == (1u << 10), "ThreadCacheSlot shifts by log2(slots)");

std::uint64_t NextVecId() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace semstreams::metric::detail
