#include <functional>
#include <memory>
#include <utility>

#include "detail/desc.h"
#include "semstreams/metric/collector.h"
#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric {
namespace {

// A one-series family whose value a function returns at scrape time.
class FuncCollector final : public detail::Collector {
 public:
  FuncCollector(std::shared_ptr<const detail::Desc> desc, std::function<double()> value)
      : desc_(std::move(desc)), value_(std::move(value)) {}

  const detail::Desc& desc() const override { return *desc_; }

  void CollectSeries(std::vector<Series>& out) const override {
    const double value = value_();  // may throw: the registry counts it
    Series& series = out.emplace_back();
    series.labels.reserve(desc_->const_labels.size());
    for (const auto& [name, label_value] : desc_->const_labels) {
      series.labels.push_back({name, label_value});
    }
    series.value = value;
  }

 private:
  const std::shared_ptr<const detail::Desc> desc_;
  const std::function<double()> value_;
};

std::shared_ptr<const Collector> MakeFunc(std::shared_ptr<const detail::Desc> desc,
                                          std::function<double()> value) {
  if (!value && desc->error.empty()) {
    auto invalid = std::make_shared<detail::Desc>(*desc);
    invalid->error = "metric \"" + desc->name + "\": the value function is empty";
    desc = std::move(invalid);
  }
  return std::make_shared<const FuncCollector>(std::move(desc), std::move(value));
}

}  // namespace

std::shared_ptr<const Collector> NewGaugeFunc(GaugeOpts opts, std::function<double()> value) {
  return MakeFunc(detail::MakeDesc(std::move(opts)), std::move(value));
}

std::shared_ptr<const Collector> NewCounterFunc(CounterOpts opts, std::function<double()> value) {
  return MakeFunc(detail::MakeDesc(std::move(opts)), std::move(value));
}

}  // namespace semstreams::metric
