#include "detail/prometheus_model.h"

#include <utility>

#include "exposition/info_metric.h"

namespace semstreams::metric::detail {
namespace {

MetricType TypeOf(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return MetricType::kCounter;
    case prometheus::MetricType::Gauge:
      return MetricType::kGauge;
    case prometheus::MetricType::Summary:
      return MetricType::kSummary;
    case prometheus::MetricType::Histogram:
      return MetricType::kHistogram;
    case prometheus::MetricType::Untyped:
      break;
    default:
      return MetricType::kInfo;
  }
  return MetricType::kUntyped;
}

// prometheus-cpp 1.2+ names an Info type that older releases lack.
template <class Type = prometheus::MetricType>
Type InfoType() {
  if constexpr (requires { Type::Info; }) {
    return Type::Info;
  } else {
    return Type::Untyped;
  }
}

template <class Metric>
void SetInfoValue(Metric& metric, double value) {
  if constexpr (requires { metric.info.value; }) {
    metric.info.value = value;
  } else {
    metric.untyped.value = value;
  }
}

prometheus::MetricType TypeOf(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return prometheus::MetricType::Counter;
    case MetricType::kGauge:
      return prometheus::MetricType::Gauge;
    case MetricType::kHistogram:
      return prometheus::MetricType::Histogram;
    case MetricType::kSummary:
      return prometheus::MetricType::Summary;
    case MetricType::kInfo:
      return InfoType();
    case MetricType::kUntyped:
      break;
  }
  return prometheus::MetricType::Untyped;
}

// Copies the labels, or moves them when `kMove`.
template <bool kMove, class Metric>
Series SeriesOf(prometheus::MetricType type, Metric& metric) {
  Series series;
  series.labels.reserve(metric.label.size());
  for (auto& label : metric.label) {
    if constexpr (kMove) {
      series.labels.push_back({std::move(label.name), std::move(label.value)});
    } else {
      series.labels.push_back({label.name, label.value});
    }
  }
  series.timestamp_ms = metric.timestamp_ms;
  switch (type) {
    case prometheus::MetricType::Counter:
      series.value = metric.counter.value;
      break;
    case prometheus::MetricType::Gauge:
      series.value = metric.gauge.value;
      break;
    case prometheus::MetricType::Untyped:
      series.value = metric.untyped.value;
      break;
    case prometheus::MetricType::Summary:
      series.count = metric.summary.sample_count;
      series.sum = metric.summary.sample_sum;
      series.quantiles.reserve(metric.summary.quantile.size());
      for (const auto& q : metric.summary.quantile)
        series.quantiles.push_back({q.quantile, q.value});
      break;
    case prometheus::MetricType::Histogram:
      series.count = metric.histogram.sample_count;
      series.sum = metric.histogram.sample_sum;
      series.buckets.reserve(metric.histogram.bucket.size());
      for (const auto& b : metric.histogram.bucket) {
        series.buckets.push_back({b.upper_bound, b.cumulative_count, {}});
      }
      break;
    default:
      series.value = InfoValue(metric);
      break;
  }
  return series;
}

template <bool kMove, class MetricFamily>
Family Convert(MetricFamily& in) {
  Family out;
  out.name = in.name;
  out.help = in.help;
  out.type = TypeOf(in.type);
  out.series.reserve(in.metric.size());
  for (auto& metric : in.metric) out.series.push_back(SeriesOf<kMove>(in.type, metric));
  return out;
}

}  // namespace

Family FromPrometheus(const prometheus::MetricFamily& family) {
  return Convert</*kMove=*/false>(family);
}

Family FromPrometheus(prometheus::MetricFamily&& family) { return Convert</*kMove=*/true>(family); }

prometheus::MetricFamily ToPrometheus(Family&& family) {
  prometheus::MetricFamily out;
  out.name = std::move(family.name);
  out.help = std::move(family.help);
  out.type = TypeOf(family.type);
  out.metric.resize(family.series.size());
  for (std::size_t i = 0; i < family.series.size(); ++i) {
    Series& series = family.series[i];
    prometheus::ClientMetric& metric = out.metric[i];
    metric.label.reserve(series.labels.size());
    for (Label& label : series.labels) {
      metric.label.push_back({std::move(label.name), std::move(label.value)});
    }
    metric.timestamp_ms = series.timestamp_ms;
    switch (family.type) {
      case MetricType::kCounter:
        metric.counter.value = series.value;
        break;
      case MetricType::kGauge:
        metric.gauge.value = series.value;
        break;
      case MetricType::kUntyped:
        metric.untyped.value = series.value;
        break;
      case MetricType::kInfo:
        SetInfoValue(metric, series.value);
        break;
      case MetricType::kSummary:
        metric.summary.sample_count = series.count;
        metric.summary.sample_sum = series.sum;
        for (const Quantile& q : series.quantiles) {
          metric.summary.quantile.push_back({q.quantile, q.value});
        }
        break;
      case MetricType::kHistogram:
        metric.histogram.sample_count = series.count;
        metric.histogram.sample_sum = series.sum;
        metric.histogram.bucket.reserve(series.buckets.size());
        for (const Bucket& b : series.buckets) {
          metric.histogram.bucket.push_back({b.cumulative_count, b.upper_bound});
        }
        break;
    }
  }
  return out;
}

}  // namespace semstreams::metric::detail
