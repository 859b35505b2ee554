#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace semstreams::metric::detail {

/// What every vector child has: its label values, in label-name order.
struct NodeBase {
  std::vector<std::string> values;

  bool Matches(const std::string_view* other, std::size_t count) const {
    if (values.size() != count) return false;
    for (std::size_t i = 0; i < count; ++i) {
      if (std::string_view(values[i]) != other[i]) return false;
    }
    return true;
  }
};

/// One remembered lookup. `keep` holds the child alive for as long as this
/// thread remembers it, which is what lets the hit path skip every lock: a
/// concurrent Delete or Reset only unlinks the child from its vector and bumps
/// the vector's generation, so the next hit here misses and resolves afresh.
struct CacheEntry {
  std::uint64_t owner = 0;  // VecCore id; ids are never reused
  std::uint64_t generation = 0;
  std::uint64_t hash = 0;
  NodeBase* node = nullptr;
  std::shared_ptr<NodeBase> keep;
};

/// Hash of a label-value list; the same function keys the vectors' own maps.
inline std::uint64_t HashLabelValues(const std::string_view* values, std::size_t count) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ count;
  for (std::size_t i = 0; i < count; ++i) {
    h = (h ^ std::hash<std::string_view>{}(values[i])) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return h;
}

/// The calling thread's entry for (owner, hash): a direct-mapped table of
/// kThreadCacheSlots entries, allocated on the thread's first lookup.
/// Returns nullptr only if that allocation fails.
CacheEntry* ThreadCacheSlot(std::uint64_t owner, std::uint64_t hash) noexcept;

inline constexpr std::size_t kThreadCacheSlots = 1024;

/// A process-wide unique id for a new VecCore.
std::uint64_t NextVecId() noexcept;

}  // namespace semstreams::metric::detail
