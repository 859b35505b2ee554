#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semstreams::metric::detail {

namespace hash_internal {
inline std::uint64_t Load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t Load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t Mix(std::uint64_t h) {
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

// memcmp for the short strings label values are, inlined: a libc call per
// value was a fifth of a recording's cost. The last word is read overlapping
// the one before it, so no tail loop is needed.
inline bool BytesEqual(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    for (; n > 8; n -= 8, a += 8, b += 8) {
      if (Load64(a) != Load64(b)) return false;
    }
    return Load64(a + n - 8) == Load64(b + n - 8);
  }
  if (n >= 4) return Load32(a) == Load32(b) && Load32(a + n - 4) == Load32(b + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace hash_internal

/// Hash of a label-value list, a word a step and inlined: it runs on every
/// recording, where std::hash's out-of-line byte loop was a large cost. Every
/// byte counts; the last word of a value overlaps the one before it.
inline std::uint64_t HashLabelValues(const std::string_view* values, std::size_t count) {
  using hash_internal::Load32;
  using hash_internal::Load64;
  using hash_internal::Mix;
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ count;
  for (std::size_t i = 0; i < count; ++i) {
    const char* p = values[i].data();
    std::size_t n = values[i].size();
    h ^= n;
    if (n >= 8) {
      for (; n > 8; n -= 8, p += 8) h = Mix(h ^ Load64(p));
      h = Mix(h ^ Load64(p + n - 8));
    } else if (n >= 4) {
      h = Mix(h ^ (Load32(p) << 32 | Load32(p + n - 4)));
    } else {
      std::uint64_t word = 0;
      for (std::size_t k = 0; k < n; ++k) word = word << 8 | static_cast<unsigned char>(p[k]);
      h = Mix(h ^ word);
    }
  }
  return h;
}

/// A child's label values packed into one buffer, [u32 count] then
/// [u32 size][bytes] per value, so that checking a cached lookup reads one
/// contiguous block instead of chasing vector -> string -> bytes per value.
class LabelKey {
 public:
  LabelKey() : LabelKey(nullptr, 0) {}
  LabelKey(const std::string_view* values, std::size_t count) {
    std::size_t size = sizeof(std::uint32_t);
    for (std::size_t i = 0; i < count; ++i) size += sizeof(std::uint32_t) + values[i].size();
    data_.reset(new char[size]);
    char* out = data_.get();
    out = Put(static_cast<std::uint32_t>(count), out);
    for (std::size_t i = 0; i < count; ++i) {
      out = Put(static_cast<std::uint32_t>(values[i].size()), out);
      // An empty string_view may have a null data(), and memcpy from null is
      // undefined even for zero bytes.
      if (!values[i].empty()) std::memcpy(out, values[i].data(), values[i].size());
      out += values[i].size();
    }
  }

  const char* data() const { return data_.get(); }
  std::size_t count() const { return Get(data_.get()); }

  /// Calls f(std::string_view) for each value in order.
  template <class F>
  void ForEach(F&& f) const {
    const char* p = data_.get();
    const std::size_t n = Get(p);
    p += sizeof(std::uint32_t);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t size = Get(p);
      p += sizeof(std::uint32_t);
      f(std::string_view(p, size));
      p += size;
    }
  }

  /// True when the packed key at `key` holds exactly these values.
  static bool Matches(const char* key, const std::string_view* values, std::size_t count) {
    if (Get(key) != count) return false;
    key += sizeof(std::uint32_t);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t size = values[i].size();
      if (Get(key) != size) return false;
      key += sizeof(std::uint32_t);
      if (!hash_internal::BytesEqual(key, values[i].data(), size)) return false;
      key += size;
    }
    return true;
  }

  /// Lexicographic comparison of the values of two keys: <0, 0, >0.
  int Compare(const LabelKey& other) const {
    const char* a = data_.get();
    const char* b = other.data_.get();
    const std::size_t na = Get(a), nb = Get(b);
    a += sizeof(std::uint32_t);
    b += sizeof(std::uint32_t);
    for (std::size_t i = 0; i < na && i < nb; ++i) {
      const std::string_view va(a + sizeof(std::uint32_t), Get(a));
      const std::string_view vb(b + sizeof(std::uint32_t), Get(b));
      if (const int c = va.compare(vb); c != 0) return c;
      a += sizeof(std::uint32_t) + va.size();
      b += sizeof(std::uint32_t) + vb.size();
    }
    return na < nb ? -1 : na > nb ? 1 : 0;
  }

  /// Lexicographic comparison of this key's values with `values`: <0, 0, >0.
  int Compare(const std::string_view* values, std::size_t count) const {
    std::size_t i = 0;
    int result = 0;
    ForEach([&](std::string_view mine) {
      if (result != 0) return;
      if (i == count) {
        result = 1;
        return;
      }
      result = mine.compare(values[i++]);
    });
    if (result == 0 && i < count) result = -1;
    return result;
  }

 private:
  static char* Put(std::uint32_t v, char* out) {
    std::memcpy(out, &v, sizeof v);
    return out + sizeof v;
  }
  static std::size_t Get(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  std::unique_ptr<char[]> data_;
};

/// What every vector child has: its label values, in label-name order, the
/// index of the per-thread cache slot it maps to (the same in every thread),
/// and what series_ttl needs, in the 8 bytes the slot index used to take.
struct NodeBase {
  explicit NodeBase(LabelKey label_key) : key(std::move(label_key)) {}

  /// Marks the child written since the last sweep. A load and a predictable
  /// branch on a line the write touches anyway; the store happens once per
  /// sweep at most, and never on a vector without a series_ttl.
  void Touch() const noexcept {
    if (!written.load(std::memory_order_relaxed)) written.store(true, std::memory_order_relaxed);
  }

  LabelKey key;
  std::uint16_t slot = 0;
  /// Cleared by each sweep of a vector with a series_ttl; set by writes.
  mutable std::atomic<bool> written{true};
  /// Set once the vector has let go of the child (expired, deleted, reset):
  /// thread caches then let go too (ReleaseRemovedChildren).
  std::atomic<bool> removed{false};
  /// When a sweep last found the child written, on its vector's millisecond
  /// clock; read and written by sweeps only, under the vector's mutex.
  std::uint32_t last_seen_ms = 0;
};

/// Touches a handle's child, if the handle is one (null: a plain metric).
inline void TouchChild(const NodeBase* node) noexcept {
  if (node != nullptr) node->Touch();
}

/// One remembered lookup. `keep` holds the child alive for as long as this
/// thread remembers it, which is what lets the hit path skip every lock: a
/// concurrent Delete or Reset only unlinks the child from its vector and bumps
/// the vector's generation, so the next hit here misses and resolves afresh.
struct CacheEntry {
  std::uint64_t owner = 0;  // VecCore id; ids are never reused
  std::uint64_t generation = 0;
  std::uint64_t hash = 0;
  const char* key = nullptr;  // node->key.data(), one load closer
  NodeBase* node = nullptr;
  std::shared_ptr<NodeBase> keep;
  // A second reference to `node`, lent to the next handle that
  // WithLabelValues returns and given back by that handle's destructor, so
  // that the usual vec.WithLabelValues(...).Inc() touches no reference count.
  std::shared_ptr<NodeBase> spare;
};

inline constexpr std::size_t kThreadCacheSlots = 1024;

namespace thread_cache_internal {
// Constant-initialised and trivially destructible, so reading it is a plain
// TLS load with no initialisation guard; ThreadCacheOwner frees the table.
inline thread_local CacheEntry* tls_slots = nullptr;

/// Allocates this thread's table; nullptr if out of memory.
CacheEntry* AllocateSlots() noexcept;
}  // namespace thread_cache_internal

/// The slot that (owner, hash) maps to, in every thread's table.
inline std::size_t ThreadCacheIndex(std::uint64_t owner, std::uint64_t hash) noexcept {
  static_assert(kThreadCacheSlots == (1u << 10), "the shift below is 64 - log2(slots)");
  const std::uint64_t mixed = (hash ^ (owner * 0xD6E8FEB86659FD93ull)) * 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(mixed >> (64 - 10));
}

/// The calling thread's entry for (owner, hash): a direct-mapped table of
/// kThreadCacheSlots entries, allocated on the thread's first lookup.
/// Returns nullptr only if that allocation fails.
inline CacheEntry* ThreadCacheSlot(std::uint64_t owner, std::uint64_t hash) noexcept {
  CacheEntry* slots = thread_cache_internal::tls_slots;
  if (__builtin_expect(slots == nullptr, 0)) {
    slots = thread_cache_internal::AllocateSlots();
    if (slots == nullptr) return nullptr;
  }
  return &slots[ThreadCacheIndex(owner, hash)];
}

/// Called by a child handle's destructor: when this thread's cache still
/// remembers the child and has no spare, the handle's reference becomes the
/// spare (a move, no atomic operation); otherwise it is released as usual.
template <class Cell>
void RecycleChild(std::shared_ptr<Cell>& cell, const NodeBase* node) noexcept {
  if (node == nullptr || !cell) return;
  CacheEntry* slots = thread_cache_internal::tls_slots;
  if (slots == nullptr) return;
  CacheEntry& entry = slots[node->slot];
  if (entry.node != node || entry.spare) return;
  entry.spare = std::shared_ptr<NodeBase>(std::move(cell), const_cast<NodeBase*>(node));
}

/// Lets go of up to `budget` entries of the calling thread's cache whose
/// child its vector removed, going round the table a little at each call, so
/// that a thread that keeps recording soon frees what expired: a stale entry
/// would otherwise hold its child until the slot is reused.
void ReleaseRemovedChildren(std::size_t budget) noexcept;

/// A process-wide unique id for a new VecCore.
std::uint64_t NextVecId() noexcept;

}  // namespace semstreams::metric::detail
