#include "detail/thread_cache.h"

#include <atomic>
#include <new>

namespace semstreams::metric::detail {
namespace thread_cache_internal {
namespace {

// Frees the thread's table at thread exit, releasing the children it kept.
struct SlotsOwner {
  ~SlotsOwner() {
    delete[] tls_slots;
    tls_slots = nullptr;
  }
};

}  // namespace

CacheEntry* AllocateSlots() noexcept {
  // Heap-allocated on first use so that threads which never record pay
  // nothing, and the static TLS block of a shared library stays small.
  thread_local SlotsOwner owner;
  tls_slots = new (std::nothrow) CacheEntry[kThreadCacheSlots];
  return tls_slots;
}

}  // namespace thread_cache_internal

void ReleaseRemovedChildren(std::size_t budget) noexcept {
  CacheEntry* slots = thread_cache_internal::tls_slots;
  if (slots == nullptr) return;
  thread_local std::size_t cursor = 0;
  for (; budget > 0; --budget) {
    CacheEntry& entry = slots[cursor];
    cursor = (cursor + 1) % kThreadCacheSlots;
    if (entry.node == nullptr || !entry.node->removed.load(std::memory_order_relaxed)) continue;
    entry.owner = 0;
    entry.key = nullptr;
    entry.node = nullptr;
    entry.spare.reset();
    entry.keep.reset();  // may free the child
  }
}

std::uint64_t NextVecId() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace semstreams::metric::detail
