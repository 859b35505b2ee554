#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/cardinality.h"
#include "detail/cells.h"
#include "detail/desc.h"
#include "detail/series.h"
#include "detail/thread_cache.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// A child: its label values and its cell, on cache lines of its own so that
/// threads recording different children never share a line.
template <class Cell>
struct alignas(64) Node : NodeBase {
  template <class... Args>
  explicit Node(std::vector<std::string> label_values, Args&&... args)
      : NodeBase{std::move(label_values)}, cell(std::forward<Args>(args)...) {}
  Cell cell;
};

template <class Cell>
std::shared_ptr<Node<Cell>> MakeNode(const Desc& desc, std::vector<std::string> values) {
  if constexpr (std::is_same_v<Cell, HistogramCell>) {
    return std::make_shared<Node<Cell>>(std::move(values), desc.buckets);
  } else {
    return std::make_shared<Node<Cell>>(std::move(values));
  }
}

/// The shared state behind a MetricVec: children in a mutex-guarded map, read
/// on the hot path through each thread's cache (see CacheEntry), so that a hit
/// touches only this thread's memory and the generation's cache line, which
/// only Delete and Reset write.
template <class Cell>
class VecCore final : public Collector {
 public:
  explicit VecCore(std::shared_ptr<const Desc> desc)
      : desc_(std::move(desc)), sink_(MakeNode<Cell>(*desc_, {})) {}

  const Desc& desc() const override { return *desc_; }

  /// The child's cell, created on first use. Never null: when the child cannot
  /// be created (series cap, out of memory) recordings go to a sink nobody
  /// exports. The pointer stays valid until this thread's next lookup.
  Cell* Find(const std::string_view* values, std::size_t count) noexcept {
    return &Lookup(values, count)->cell;
  }

  /// The child's cell with shared ownership, for handles that outlive lookups.
  std::shared_ptr<Cell> Share(const std::string_view* values, std::size_t count) noexcept {
    const std::uint64_t hash = HashLabelValues(values, count);
    CacheEntry* entry = ThreadCacheSlot(id_, hash);
    Node<Cell>* node = Lookup(values, count, hash, entry);
    if (node == sink_.get()) return std::shared_ptr<Cell>(sink_, &sink_->cell);
    if (entry != nullptr && entry->node == node) {
      return std::shared_ptr<Cell>(entry->keep, &node->cell);
    }
    return std::shared_ptr<Cell>(sink_, &sink_->cell);
  }

  bool Delete(const std::string_view* values, std::size_t count) {
    const std::uint64_t hash = HashLabelValues(values, count);
    std::lock_guard<std::mutex> lock(mu_);
    auto [first, last] = children_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (it->second->Matches(values, count)) {
        children_.erase(it);
        generation_.fetch_add(1, std::memory_order_release);
        return true;
      }
    }
    return false;
  }

  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
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

  prometheus::MetricFamily Collect() const override {
    std::vector<std::shared_ptr<Node<Cell>>> nodes;
    {
      // Copy the pointers and let go: recorders that miss their cache wait on
      // this mutex, so building the samples happens outside it.
      std::lock_guard<std::mutex> lock(mu_);
      nodes.reserve(children_.size());
      for (const auto& [hash, node] : children_) nodes.push_back(node);
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const auto& a, const auto& b) { return a->values < b->values; });
    prometheus::MetricFamily family = EmptyFamily(*desc_);
    family.metric.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      SetSeriesLabels(*desc_, nodes[i]->values, family.metric[i]);
      nodes[i]->cell.Fill(family.metric[i]);
    }
    return family;
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
        entry->node->Matches(values, count)) {
      return static_cast<Node<Cell>*>(entry->node);
    }
    try {
      return Resolve(values, count, hash, entry);
    } catch (...) {  // out of memory: lose the sample, not the process
      return sink_.get();
    }
  }

  Node<Cell>* Resolve(const std::string_view* values, std::size_t count, std::uint64_t hash,
                      CacheEntry* entry) {
    std::shared_ptr<Node<Cell>> node;
    std::uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation = generation_.load(std::memory_order_relaxed);
      auto [first, last] = children_.equal_range(hash);
      for (auto it = first; it != last && !node; ++it) {
        if (it->second->Matches(values, count)) node = it->second;
      }
      if (!node) {
        const std::size_t cap = max_series_.load(std::memory_order_relaxed);
        if (cap != 0 && children_.size() >= cap) {
          ReportRejectedSeries(*desc_);
          return sink_.get();
        }
        node = MakeNode<Cell>(*desc_, std::vector<std::string>(values, values + count));
        children_.emplace(hash, node);
      }
    }
    Node<Cell>* raw = node.get();
    if (entry != nullptr) {
      entry->owner = id_;
      entry->hash = hash;
      entry->generation = generation;
      entry->node = raw;
      entry->keep = std::move(node);  // may free a forgotten child of another vector
    }
    return raw;
  }

  const std::uint64_t id_ = NextVecId();
  const std::shared_ptr<const Desc> desc_;
  const std::shared_ptr<Node<Cell>> sink_;
  alignas(64) std::atomic<std::uint64_t> generation_{0};
  alignas(64) mutable std::mutex mu_;
  std::unordered_multimap<std::uint64_t, std::shared_ptr<Node<Cell>>> children_;
  std::atomic<std::size_t> max_series_{0};
};

}  // namespace semstreams::metric::detail
