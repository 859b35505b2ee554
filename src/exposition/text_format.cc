#include "semstreams/metric/text_format.h"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "exposition/escape.h"
#include "exposition/info_metric.h"

namespace semstreams::metric {
namespace {

using detail::AppendDouble;
using detail::AppendEscaped;
using detail::AppendUint;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Writes `name{labels[,extra_name="extra_value"]} ` ready for the value.
void AppendSeriesStart(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                       std::string_view extra_name, std::string_view extra_value,
                       std::string& out) {
  out.append(name).append(suffix);
  if (!metric.label.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : metric.label) {
      if (!first) out += ',';
      first = false;
      out.append(label.name).append("=\"");
      AppendEscaped(label.value, /*quote=*/true, out);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out.append(extra_name).append("=\"").append(extra_value).append("\"");
    }
    out += '}';
  }
  out += ' ';
}

void AppendLineEnd(const ClientMetric& metric, std::string& out) {
  if (metric.timestamp_ms != 0) {
    out += ' ';
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, metric.timestamp_ms);
    out.append(buffer, result.ptr);
  }
  out += '\n';
}

void AppendSample(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                  double value, std::string& out) {
  AppendSeriesStart(name, suffix, metric, {}, {}, out);
  AppendDouble(value, out);
  AppendLineEnd(metric, out);
}

void AppendCount(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                 std::uint64_t count, std::string& out) {
  AppendSeriesStart(name, suffix, metric, {}, {}, out);
  AppendUint(count, out);
  AppendLineEnd(metric, out);
}

void AppendHistogram(std::string_view name, const ClientMetric& metric, std::string& out) {
  std::string bound;
  for (const auto& bucket : metric.histogram.bucket) {
    bound.clear();
    AppendDouble(bucket.upper_bound, bound);
    AppendSeriesStart(name, "_bucket", metric, "le", bound, out);
    AppendUint(bucket.cumulative_count, out);
    AppendLineEnd(metric, out);
  }
  AppendSample(name, "_sum", metric, metric.histogram.sample_sum, out);
  AppendCount(name, "_count", metric, metric.histogram.sample_count, out);
}

void AppendSummary(std::string_view name, const ClientMetric& metric, std::string& out) {
  std::string quantile;
  for (const auto& q : metric.summary.quantile) {
    quantile.clear();
    AppendDouble(q.quantile, quantile);
    AppendSeriesStart(name, "", metric, "quantile", quantile, out);
    AppendDouble(q.value, out);
    AppendLineEnd(metric, out);
  }
  AppendSample(name, "_sum", metric, metric.summary.sample_sum, out);
  AppendCount(name, "_count", metric, metric.summary.sample_count, out);
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
    default:  // Info
      return "gauge";
  }
  return "untyped";
}

void AppendFamily(const MetricFamily& family, std::string& out) {
  out.append("# HELP ").append(family.name).append(" ");
  AppendEscaped(family.help, /*quote=*/false, out);
  out.append("\n# TYPE ").append(family.name).append(" ").append(TypeName(family.type));
  out += '\n';
  for (const auto& metric : family.metric) {
    switch (family.type) {
      case MetricType::Counter:
        AppendSample(family.name, "", metric, metric.counter.value, out);
        break;
      case MetricType::Gauge:
        AppendSample(family.name, "", metric, metric.gauge.value, out);
        break;
      case MetricType::Histogram:
        AppendHistogram(family.name, metric, out);
        break;
      case MetricType::Summary:
        AppendSummary(family.name, metric, out);
        break;
      case MetricType::Untyped:
        AppendSample(family.name, "", metric, metric.untyped.value, out);
        break;
      default:  // Info
        AppendSample(family.name, detail::kInfoSuffix, metric, detail::InfoValue(metric), out);
        break;
    }
  }
}

}  // namespace

void AppendTextExposition(const std::vector<MetricFamily>& families, std::string& out) {
  for (const auto& family : families) AppendFamily(family, out);
}

std::string TextExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  AppendTextExposition(families, out);
  return out;
}

}  // namespace semstreams::metric
