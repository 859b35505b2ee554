#include "semstreams/metric/text_format.h"

#include <string_view>
#include <utility>
#include <vector>

#include "detail/prometheus_model.h"
#include "exposition/escape.h"
#include "exposition/info_metric.h"
#include "exposition/text_lines.h"
#include "exposition/text_writer.h"

namespace semstreams::metric {
namespace {

using detail::SampleWriter;
using detail::TextFlavor;

// Histogram buckets and summary quantiles: one sample per item, told apart by
// an extra label, then _sum and _count.
template <class Item, class Sample>
void AppendLabelledSamples(SampleWriter& writer, const Series& series,
                           const std::vector<Item>& items, std::string_view label, Sample sample,
                           std::string& out) {
  std::string label_value;
  for (const Item& item : items) {
    label_value.clear();
    const auto [key, value] = sample(item);
    detail::AppendDouble(key, label_value);
    writer.Start(label == "le" ? "_bucket" : "", label, label_value);
    value(out);
    writer.End();
  }
  writer.Value("_sum", series.sum);
  writer.Count("_count", series.count);
}

void AppendHistogram(SampleWriter& writer, const Series& series, std::string& out) {
  AppendLabelledSamples(
      writer, series, series.buckets, "le",
      [](const Bucket& bucket) {
        return std::pair(bucket.upper_bound, [&bucket](std::string& to) {
          detail::AppendUint(bucket.cumulative_count, to);
        });
      },
      out);
}

void AppendSummary(SampleWriter& writer, const Series& series, std::string& out) {
  AppendLabelledSamples(
      writer, series, series.quantiles, "quantile",
      [](const Quantile& q) {
        return std::pair(q.quantile, [&q](std::string& to) { detail::AppendDouble(q.value, to); });
      },
      out);
}

void AppendFamily(const Family& family, bool quote_names, std::string& out) {
  out.append("# HELP ");
  detail::AppendName(family.name, quote_names, out);
  out += ' ';
  detail::AppendEscaped(family.help, /*quote=*/false, out);
  out.append("\n# TYPE ");
  detail::AppendName(family.name, quote_names, out);
  out += ' ';
  out.append(detail::TypeName(family.type, TextFlavor::kPrometheus)).append("\n");
  for (const Series& series : family.series) {
    SampleWriter writer(family.name, series, TextFlavor::kPrometheus, quote_names, out);
    switch (family.type) {
      case MetricType::kHistogram:
        AppendHistogram(writer, series, out);
        break;
      case MetricType::kSummary:
        AppendSummary(writer, series, out);
        break;
      case MetricType::kInfo:
        writer.Value(detail::kInfoSuffix, series.value);
        break;
      case MetricType::kCounter:
      case MetricType::kGauge:
      case MetricType::kUntyped:
        writer.Value("", series.value);
        break;
    }
  }
}

}  // namespace

namespace detail {
void AppendText(const std::vector<Family>& families, bool quote_names, std::string& out) {
  for (const Family& family : families) AppendFamily(family, quote_names, out);
}
}  // namespace detail

void AppendTextExposition(const std::vector<Family>& families, std::string& out) {
  detail::AppendText(families, detail::HasUtf8Names(families), out);
}

std::string TextExposition(const std::vector<Family>& families) {
  std::string out;
  AppendTextExposition(families, out);
  return out;
}

void AppendTextExposition(const std::vector<prometheus::MetricFamily>& families, std::string& out) {
  std::vector<Family> one(1);  // a family at a time: no second copy of the whole
  for (const auto& family : families) {
    one[0] = detail::FromPrometheus(family);
    detail::AppendText(one, detail::HasUtf8Names(one), out);
  }
}

std::string TextExposition(const std::vector<prometheus::MetricFamily>& families) {
  std::string out;
  AppendTextExposition(families, out);
  return out;
}

}  // namespace semstreams::metric
