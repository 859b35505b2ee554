#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/cardinality.h"
#include "detail/cells.h"
#include "detail/desc.h"
#include "detail/series.h"
#include "detail/thread_cache.h"
#include "detail/utf8.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// A child: its label values and its cell, on cache lines of its own so that
/// threads recording different children never share a line.
template <class Cell>
struct alignas(64) Node : NodeBase {
  template <class... Args>
  explicit Node(LabelKey label_key, Args&&... args)
      : NodeBase(std::move(label_key)), cell(std::forward<Args>(args)...) {}
  Cell cell;
  const double created = WallClockSeconds();  // fits in the cache line padding
};

// Striping state lives in the padding: a quiet series costs no more memory.
static_assert(sizeof(Node<CounterCell>) == 64, "a counter child fits one cache line");
static_assert(sizeof(Node<HistogramCell>) == 128, "a histogram child keeps two cache lines");

/// A label-value list being looked up, compared without copying it.
struct ValuesProbe {
  const std::string_view* values;
  std::size_t count;
};

/// Orders children by label values, so that scrapes come out sorted for free
/// and lookups need no temporary strings.
struct NodeOrder {
  using is_transparent = void;

  template <class P>
  bool operator()(const P& a, const P& b) const {
    return a->key.Compare(b->key) < 0;
  }
  template <class P>
  bool operator()(const P& a, const ValuesProbe& b) const {
    return a->key.Compare(b.values, b.count) < 0;
  }
  template <class P>
  bool operator()(const ValuesProbe& a, const P& b) const {
    return b->key.Compare(a.values, a.count) > 0;
  }
};

template <class Cell>
std::shared_ptr<Node<Cell>> MakeNode(const Desc& desc, LabelKey key) {
  if constexpr (std::is_same_v<Cell, HistogramCell>) {
    return std::make_shared<Node<Cell>>(std::move(key), desc.buckets, desc.native);
  } else {
    return std::make_shared<Node<Cell>>(std::move(key));
  }
}

/// Label values as every writer prints them: bytes that are not UTF-8 become
/// U+FFFD, so "\xff", "\xfe" and "\uFFFD" are one child, not three series
/// that print the same. Only misses pay for this; values that were invalid
/// always miss the thread cache (its key is the canonical form).
struct CanonicalValues {
  CanonicalValues(const std::string_view* raw, std::size_t count) : values(raw) {
    for (std::size_t i = 0; i < count; ++i) {
      if (IsValidUtf8(raw[i])) continue;
      if (views.empty()) views.assign(raw, raw + count);
      storage.push_back(ToValidUtf8(raw[i]));
    }
    if (views.empty()) return;
    std::size_t next = 0;
    for (auto& view : views) {
      if (!IsValidUtf8(view)) view = storage[next++];
    }
    values = views.data();
  }
  CanonicalValues(const CanonicalValues&) = delete;
  CanonicalValues& operator=(const CanonicalValues&) = delete;

  const std::string_view* values;
  std::vector<std::string> storage;
  std::vector<std::string_view> views;
};

/// The shared state behind a MetricVec: children in a mutex-guarded set, read
/// on the hot path through each thread's cache (see CacheEntry), so that a hit
/// touches only this thread's memory and the generation's cache line, which
/// only Delete and Reset write.
template <class Cell>
class VecCore final : public Collector {
 public:
  explicit VecCore(std::shared_ptr<const Desc> desc)
      : desc_(std::move(desc)),
        sink_(MakeNode<Cell>(*desc_, LabelKey())),
        ttl_ms_(TtlMillis(desc_->series_ttl)) {}

  const Desc& desc() const override { return *desc_; }

  /// The id this vector's children are cached under (for tests).
  std::uint64_t id() const { return id_; }

  /// The child's cell, created on first use. Never null: when the child cannot
  /// be created (series cap, out of memory) recordings go to a sink nobody
  /// exports. The pointer stays valid until this thread's next lookup.
  Cell* Find(const std::string_view* values, std::size_t count) noexcept {
    return &Lookup(values, count)->cell;
  }

  /// The child's cell with shared ownership, for handles that outlive
  /// lookups, and the child itself (null for the sink) for RecycleChild.
  std::shared_ptr<Cell> Share(const std::string_view* values, std::size_t count,
                              const NodeBase*& child) noexcept {
    const std::uint64_t hash = HashLabelValues(values, count);
    CacheEntry* entry = ThreadCacheSlot(id_, hash);
    Node<Cell>* node = Lookup(values, count, hash, entry);
    child = nullptr;
    if (node == sink_.get() || entry == nullptr || entry->node != node) {
      return std::shared_ptr<Cell>(sink_, &sink_->cell);
    }
    child = node;
    if (entry->spare) return std::shared_ptr<Cell>(std::move(entry->spare), &node->cell);
    return std::shared_ptr<Cell>(entry->keep, &node->cell);
  }

  bool Delete(const std::string_view* values, std::size_t count) {
    CanonicalValues canonical(values, count);
    values = canonical.values;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(ValuesProbe{values, count});
    if (it == children_.end()) return false;
    (*it)->removed.store(true, std::memory_order_relaxed);
    children_.erase(it);
    generation_.fetch_add(1, std::memory_order_release);
    return true;
  }

  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& node : children_) node->removed.store(true, std::memory_order_relaxed);
    children_.clear();
    generation_.fetch_add(1, std::memory_order_release);
  }

  std::size_t Size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return children_.size();
  }

  void SetMaxSeries(std::size_t max_series) {
    max_series_.store(max_series, std::memory_order_relaxed);
  }

  void CollectSeries(std::vector<Series>& out) const override {
    std::vector<std::shared_ptr<Node<Cell>>> nodes;
    {
      // Copy the pointers and let go: recorders that miss their cache wait on
      // this mutex, so building the samples happens outside it.
      std::lock_guard<std::mutex> lock(mu_);
      // A scrape never shows a child that has outlived its ttl by more than
      // the time since the sweep before.
      if (ttl_ms_ != 0) Sweep(NowMs());
      nodes.assign(children_.begin(), children_.end());
    }
    out.resize(out.size() + nodes.size());
    Series* series = out.data() + (out.size() - nodes.size());
    for (const auto& node : nodes) {
      detail::CollectSeries(*desc_, node->key, node->cell, node->created, *series++);
    }
  }

 private:
  Node<Cell>* Lookup(const std::string_view* values, std::size_t count) noexcept {
    const std::uint64_t hash = HashLabelValues(values, count);
    return Lookup(values, count, hash, ThreadCacheSlot(id_, hash));
  }

  Node<Cell>* Lookup(const std::string_view* values, std::size_t count, std::uint64_t hash,
                     CacheEntry* entry) noexcept {
    if (entry != nullptr && entry->owner == id_ && entry->hash == hash &&
        entry->generation == generation_.load(std::memory_order_acquire) &&
        LabelKey::Matches(entry->key, values, count)) {
      entry->node->Touch();
      return static_cast<Node<Cell>*>(entry->node);
    }
    try {
      return Resolve(values, count, hash, entry);
    } catch (...) {  // out of memory: lose the sample, not the process
      return sink_.get();
    }
  }

  // Kept out of line so that the hit path above inlines into its callers.
  [[gnu::noinline, gnu::cold]] Node<Cell>* Resolve(const std::string_view* values,
                                                   std::size_t count, std::uint64_t hash,
                                                   CacheEntry* entry) {
    CanonicalValues canonical(values, count);
    values = canonical.values;
    std::shared_ptr<Node<Cell>> node;
    std::uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::uint32_t now = ttl_ms_ != 0 ? NowMs() : 0;
      // Expired children go before a new one is counted against the cap,
      // and a vector nobody scrapes still lets go of them.
      if (ttl_ms_ != 0 && now - last_sweep_ms_ >= SweepPeriodMs()) {
        Sweep(now);
      }
      generation = generation_.load(std::memory_order_relaxed);
      if (auto it = children_.find(ValuesProbe{values, count}); it != children_.end()) {
        node = *it;
        node->Touch();
      } else {
        const std::size_t cap = max_series_.load(std::memory_order_relaxed);
        if (cap != 0 && children_.size() >= cap) {
          ReportRejectedSeries(*desc_);
          return sink_.get();
        }
        node = MakeNode<Cell>(*desc_, LabelKey(values, count));
        node->slot = static_cast<std::uint16_t>(ThreadCacheIndex(id_, hash));
        node->last_seen_ms = now;
        children_.insert(node);
      }
    }
    // Misses are where this thread's cache lets go of removed children.
    if (ttl_ms_ != 0) ReleaseRemovedChildren(kReleaseBudget);
    Node<Cell>* raw = node.get();
    if (entry != nullptr) {
      entry->owner = id_;
      entry->hash = hash;
      entry->generation = generation;
      entry->key = raw->key.data();
      entry->node = raw;
      entry->spare.reset();
      entry->keep = std::move(node);  // may free a forgotten child of another vector
    }
    return raw;
  }

  // series_ttl in whole milliseconds, at least 1 when set; 0 when unset.
  static std::uint32_t TtlMillis(std::chrono::nanoseconds ttl) {
    if (ttl.count() <= 0) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(ttl).count();
    return static_cast<std::uint32_t>(
        std::min<std::int64_t>(ms, std::numeric_limits<std::uint32_t>::max() / 2));
  }

  // The vector's millisecond clock; it wraps after 49 days, which the
  // unsigned differences below survive.
  std::uint32_t NowMs() const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    return static_cast<std::uint32_t>(duration_cast<milliseconds>(Now() - start_).count());
  }

  std::chrono::steady_clock::time_point Now() const {
    return desc_->clock ? desc_->clock() : std::chrono::steady_clock::now();
  }

  // Removes the children not written since the sweep before, once they have
  // gone ttl unwritten; the others start a new period. Under mu_.
  // How often misses sweep: a child goes at most about two periods past its
  // ttl (one until a sweep notes its last write, one after the ttl until a
  // sweep removes it), and a sweep visits every child once.
  std::uint32_t SweepPeriodMs() const { return std::max<std::uint32_t>(ttl_ms_ / 16, 1); }

  // Collect sweeps too, hence const and the mutable state.
  void Sweep(std::uint32_t now) const {
    bool removed = false;
    for (auto it = children_.begin(); it != children_.end();) {
      NodeBase& node = **it;
      if (node.written.exchange(false, std::memory_order_relaxed)) {
        node.last_seen_ms = now;
      } else if (now - node.last_seen_ms >= ttl_ms_) {
        node.removed.store(true, std::memory_order_relaxed);
        it = children_.erase(it);
        removed = true;
        continue;
      }
      ++it;
    }
    if (removed) generation_.fetch_add(1, std::memory_order_release);
    last_sweep_ms_ = now;
  }

  // How many cache entries a miss looks at for removed children: the whole
  // table after 64 misses.
  static constexpr std::size_t kReleaseBudget = 16;

  const std::uint64_t id_ = NextVecId();
  const std::shared_ptr<const Desc> desc_;
  const std::shared_ptr<Node<Cell>> sink_;
  const std::uint32_t ttl_ms_;
  const std::chrono::steady_clock::time_point start_ = Now();
  alignas(64) mutable std::atomic<std::uint64_t> generation_{0};
  alignas(64) mutable std::mutex mu_;
  mutable std::set<std::shared_ptr<Node<Cell>>, NodeOrder> children_;
  std::atomic<std::size_t> max_series_{0};
  mutable std::uint32_t last_sweep_ms_ = 0;  // under mu_
};

}  // namespace semstreams::metric::detail
