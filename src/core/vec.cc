#include "semstreams/metric/vec.h"

#include <stdexcept>

#include "detail/handle_access.h"
#include "detail/native_histogram.h"
#include "detail/vec_core.h"

namespace semstreams::metric {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

void CheckArity(const detail::Desc& desc, std::size_t count) {
  if (count != desc.label_names.size()) {
    throw std::invalid_argument("metric \"" + desc.name + "\": got " + std::to_string(count) +
                                " label values, want " + std::to_string(desc.label_names.size()) +
                                " (" + JoinNames(desc.label_names) + ")");
  }
}

/// The values of `labels` in the vector's label-name order.
std::vector<std::string_view> ValuesInOrder(const detail::Desc& desc,
                                            const prometheus::Labels& labels) {
  std::vector<std::string_view> values;
  values.reserve(desc.label_names.size());
  for (const auto& name : desc.label_names) {
    auto it = labels.find(name);
    if (it == labels.end()) break;
    values.push_back(it->second);
  }
  if (values.size() != desc.label_names.size() || labels.size() != values.size()) {
    std::vector<std::string> given;
    for (const auto& [name, value] : labels) given.push_back(name);
    throw std::invalid_argument("metric \"" + desc.name + "\": got labels {" + JoinNames(given) +
                                "}, want {" + JoinNames(desc.label_names) + "}");
  }
  return values;
}

template <class Metric>
MetricVec<Metric> MakeVec(std::shared_ptr<const detail::Desc> desc) {
  using Core = detail::VecCore<typename Metric::Cell>;
  return detail::HandleAccess::MakeVec<Metric>(std::make_shared<Core>(std::move(desc)));
}

}  // namespace

template <class Metric>
Metric MetricVec<Metric>::WithLabelValuesSpan(const std::string_view* values,
                                              std::size_t count) const {
  CheckArity(core_->desc(), count);
  const detail::NodeBase* child = nullptr;
  auto cell = core_->Share(values, count, child);
  return detail::HandleAccess::Make<Metric>(std::move(cell), nullptr, child);
}

template <class Metric>
Metric MetricVec<Metric>::WithLabelValues(const std::vector<std::string>& values) const {
  std::vector<std::string_view> views(values.begin(), values.end());
  return WithLabelValuesSpan(views.data(), views.size());
}

template <class Metric>
Metric MetricVec<Metric>::With(const prometheus::Labels& labels) const {
  const auto values = ValuesInOrder(core_->desc(), labels);
  return WithLabelValuesSpan(values.data(), values.size());
}

template <class Metric>
bool MetricVec<Metric>::DeleteLabelValuesSpan(const std::string_view* values,
                                              std::size_t count) const {
  CheckArity(core_->desc(), count);
  return core_->Delete(values, count);
}

template <class Metric>
bool MetricVec<Metric>::Delete(const prometheus::Labels& labels) const {
  const auto values = ValuesInOrder(core_->desc(), labels);
  return core_->Delete(values.data(), values.size());
}

template <class Metric>
void MetricVec<Metric>::Reset() const {
  core_->Reset();
}

template <class Metric>
std::size_t MetricVec<Metric>::Size() const {
  return core_->Size();
}

template <class Metric>
void MetricVec<Metric>::SetMaxSeries(std::size_t max_series) const {
  core_->SetMaxSeries(max_series);
}

template class MetricVec<Counter>;
template class MetricVec<Gauge>;
template class MetricVec<Histogram>;

CounterVec NewCounterVec(CounterOpts opts, std::vector<std::string> label_names) {
  return MakeVec<Counter>(detail::MakeDesc(std::move(opts), std::move(label_names)));
}

GaugeVec NewGaugeVec(GaugeOpts opts, std::vector<std::string> label_names) {
  return MakeVec<Gauge>(detail::MakeDesc(std::move(opts), std::move(label_names)));
}

HistogramVec NewHistogramVec(HistogramOpts opts, std::vector<std::string> label_names) {
  return MakeVec<Histogram>(detail::MakeDesc(std::move(opts), std::move(label_names)));
}

}  // namespace semstreams::metric
