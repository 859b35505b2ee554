#pragma once

#include <memory>
#include <type_traits>

#include "detail/cells.h"
#include "detail/desc.h"
#include "detail/series.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// A metric without variable labels: one cell, exported as one series.
template <class Cell>
class SingleCollector final : public Collector {
 public:
  explicit SingleCollector(std::shared_ptr<const Desc> desc)
      : desc_(std::move(desc)), cell(MakeCell(*desc_)) {}

  const Desc& desc() const override { return *desc_; }

  void CollectSeries(std::vector<Series>& out) const override {
    detail::CollectSeries(*desc_, LabelKey(), cell, created_, out.emplace_back());
  }

 private:
  static Cell MakeCell(const Desc& desc) {
    if constexpr (std::is_same_v<Cell, HistogramCell>) {
      return Cell(desc.buckets, desc.native);
    } else {
      return Cell();
    }
  }

  const std::shared_ptr<const Desc> desc_;
  const double created_ = WallClockSeconds();

 public:
  // On cache lines of its own, as a vector child's: two metrics allocated
  // side by side and recorded by different threads must not share a line.
  alignas(64) Cell cell;
};

}  // namespace semstreams::metric::detail
