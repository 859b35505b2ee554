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

std::uint64_t NextVecId() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace semstreams::metric::detail
