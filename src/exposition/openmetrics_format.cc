#include "exposition/openmetrics_format.h"

#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "detail/snapshot_access.h"
#include "exposition/escape.h"
#include "exposition/info_metric.h"

namespace semstreams::metric {
namespace detail {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::string_view kTotal = "_total";

// The name a family is typed under: OpenMetrics counters drop `_total`, which
// only their samples carry.
std::string_view FamilyName(const MetricFamily& family) {
  std::string_view name = family.name;
  if (family.type == MetricType::Counter && name.size() > kTotal.size() &&
      name.substr(name.size() - kTotal.size()) == kTotal) {
    name.remove_suffix(kTotal.size());
  }
  return name;
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
    default:
      return "info";
  }
  return "unknown";
}

// Every name a parser attributes to a family of this type: two families
// claiming one name make the whole exposition invalid.
template <class F>
void ForEachClaimedName(std::string_view name, MetricType type, F&& f) {
  f(std::string(name));
  auto with = [&](std::string_view suffix) { f(std::string(name).append(suffix)); };
  switch (type) {
    case MetricType::Counter:
      with("_total");
      with("_created");
      break;
    case MetricType::Histogram:
      with("_bucket");
      with("_count");
      with("_sum");
      with("_created");
      break;
    case MetricType::Summary:
      with("_count");
      with("_sum");
      with("_created");
      break;
    case MetricType::Gauge:
    case MetricType::Untyped:
      break;
    default:  // Info
      with(kInfoSuffix);
      break;
  }
}

// Samples of one series: the series' labels are written once per sample,
// plus an extra label (le, quantile) where the type has one.
class SeriesWriter {
 public:
  SeriesWriter(std::string_view name, const ClientMetric& metric, std::string& out)
      : name_(name), metric_(metric), out_(out) {}

  void Start(std::string_view suffix, std::string_view extra_name = {},
             std::string_view extra_value = {}) {
    out_.append(name_).append(suffix);
    if (metric_.label.empty() && extra_name.empty()) {
      out_ += ' ';
      return;
    }
    out_ += '{';
    bool first = true;
    for (const auto& label : metric_.label) {
      if (!first) out_ += ',';
      first = false;
      out_.append(label.name).append("=\"");
      AppendEscaped(label.value, /*quote=*/true, out_);
      out_ += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out_ += ',';
      out_.append(extra_name).append("=\"").append(extra_value).append("\"");
    }
    out_.append("} ");
  }

  // The sample's timestamp, in seconds as OpenMetrics wants them.
  void Timestamp() {
    if (metric_.timestamp_ms == 0) return;
    out_ += ' ';
    const std::int64_t ms = metric_.timestamp_ms;
    const std::int64_t seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    const std::int64_t millis = ms - seconds * 1000;
    if (seconds < 0) out_ += '-';
    AppendUint(static_cast<std::uint64_t>(seconds < 0 ? -seconds : seconds), out_);
    out_ += '.';
    out_ += static_cast<char>('0' + millis / 100);
    out_ += static_cast<char>('0' + millis / 10 % 10);
    out_ += static_cast<char>('0' + millis % 10);
  }

  void End(const std::optional<ExemplarSample>* exemplar = nullptr) {
    Timestamp();
    if (exemplar != nullptr && exemplar->has_value()) AppendExemplar(**exemplar);
    out_ += '\n';
  }

  void Value(std::string_view suffix, double v) {
    Start(suffix);
    AppendDouble(v, out_);
    End();
  }

  void Count(std::string_view suffix, std::uint64_t v) {
    Start(suffix);
    AppendUint(v, out_);
    End();
  }

 private:
  void AppendExemplar(const ExemplarSample& exemplar) {
    out_.append(" # {");
    bool first = true;
    for (const auto& [name, value] : exemplar.labels) {
      if (!first) out_ += ',';
      first = false;
      out_.append(name).append("=\"");
      AppendEscaped(value, /*quote=*/true, out_);
      out_ += '"';
    }
    out_.append("} ");
    AppendDouble(exemplar.value, out_);
    out_ += ' ';
    AppendDouble(exemplar.timestamp, out_);
  }

  std::string_view name_;
  const ClientMetric& metric_;
  std::string& out_;
};

void AppendCreated(SeriesWriter& writer, const FamilySnapshot& family, std::size_t i) {
  if (i < family.created.size() && family.created[i] > 0)
    writer.Value("_created", family.created[i]);
}

void AppendCounter(std::string_view name, const FamilySnapshot& family, std::size_t i,
                   const OpenMetricsOptions& options, std::string& out) {
  const ClientMetric& metric = family.family.metric[i];
  const double value = metric.counter.value;
  // A counter that is NaN or negative (possible only in raw prometheus-cpp
  // families) has no valid OpenMetrics sample; it is left out.
  if (!(value >= 0)) return;
  SeriesWriter writer(name, metric, out);
  writer.Start(kTotal);
  AppendDouble(value, out);
  const SeriesExtras* extras = family.FindExtras(i);
  writer.End(extras != nullptr ? &extras->exemplar : nullptr);
  if (options.created) AppendCreated(writer, family, i);
}

void AppendHistogram(std::string_view name, const FamilySnapshot& family, std::size_t i,
                     const OpenMetricsOptions& options, std::string& out) {
  const ClientMetric& metric = family.family.metric[i];
  const auto& histogram = metric.histogram;
  const SeriesExtras* extras = family.FindExtras(i);
  SeriesWriter writer(name, metric, out);
  std::string bound;
  bool negative_bound = false;
  double previous = -std::numeric_limits<double>::infinity();
  bool wrote_any = false;
  for (std::size_t b = 0; b < histogram.bucket.size(); ++b) {
    const double upper = histogram.bucket[b].upper_bound;
    const bool last = b + 1 == histogram.bucket.size();
    // Bounds must rise strictly and end at +Inf; anything else would be refused.
    if (std::isnan(upper) || (wrote_any && upper <= previous) || (std::isinf(upper) && !last)) {
      continue;
    }
    if (last && !std::isinf(upper)) break;
    negative_bound = negative_bound || upper < 0;
    previous = upper;
    wrote_any = true;
    bound.clear();
    AppendDouble(upper, bound);
    writer.Start("_bucket", "le", bound);
    AppendUint(histogram.bucket[b].cumulative_count, out);
    const std::optional<ExemplarSample>* exemplar =
        extras != nullptr && b < extras->bucket_exemplars.size() ? &extras->bucket_exemplars[b]
                                                                 : nullptr;
    writer.End(exemplar);
  }
  if (!wrote_any || !std::isinf(previous)) {
    writer.Start("_bucket", "le", "+Inf");
    AppendUint(histogram.sample_count, out);
    writer.End();
  }
  // OpenMetrics treats _sum as a counter: a histogram with negative bounds or
  // a negative (or NaN) sum has neither _sum nor, paired with it, _count.
  if (!negative_bound && histogram.sample_sum >= 0) {
    writer.Count("_count", histogram.sample_count);
    writer.Value("_sum", histogram.sample_sum);
  }
  if (options.created) AppendCreated(writer, family, i);
}

void AppendSummary(std::string_view name, const ClientMetric& metric, std::string& out) {
  SeriesWriter writer(name, metric, out);
  std::string quantile;
  for (const auto& q : metric.summary.quantile) {
    if (!(q.quantile >= 0 && q.quantile <= 1) || q.value < 0) continue;
    quantile.clear();
    AppendDouble(q.quantile, quantile);
    writer.Start("", "quantile", quantile);
    AppendDouble(q.value, out);
    writer.End();
  }
  writer.Count("_count", metric.summary.sample_count);
  if (metric.summary.sample_sum >= 0) writer.Value("_sum", metric.summary.sample_sum);
}

void AppendFamily(const FamilySnapshot& snapshot, const OpenMetricsOptions& options,
                  std::string& out) {
  const MetricFamily& family = snapshot.family;
  const std::string_view name = FamilyName(family);
  if (!family.help.empty()) {
    out.append("# HELP ").append(name).append(" ");
    AppendEscaped(family.help, /*quote=*/true, out);
    out += '\n';
  }
  out.append("# TYPE ").append(name).append(" ").append(TypeName(family.type));
  out += '\n';
  for (std::size_t i = 0; i < family.metric.size(); ++i) {
    const ClientMetric& metric = family.metric[i];
    switch (family.type) {
      case MetricType::Counter:
        AppendCounter(name, snapshot, i, options, out);
        break;
      case MetricType::Gauge:
        SeriesWriter(name, metric, out).Value("", metric.gauge.value);
        break;
      case MetricType::Histogram:
        AppendHistogram(name, snapshot, i, options, out);
        break;
      case MetricType::Summary:
        AppendSummary(name, metric, out);
        break;
      case MetricType::Untyped:
        SeriesWriter(name, metric, out).Value("", metric.untyped.value);
        break;
      default:  // Info
        SeriesWriter(name, metric, out).Value(kInfoSuffix, InfoValue(metric));
        break;
    }
  }
}

}  // namespace

void AppendOpenMetrics(const RegistrySnapshot& snapshot, const OpenMetricsOptions& options,
                       std::string& out) {
  // Families are sorted by their text names, which never clash; OpenMetrics
  // names can (counter "x_total" is typed as "x", which a gauge "x" is too).
  // The first family keeps a clashing name and the later one is left out.
  std::unordered_set<std::string> claimed;
  for (const auto& family : snapshot) {
    const std::string_view name = FamilyName(family.family);
    bool clash = false;
    ForEachClaimedName(name, family.family.type, [&](const std::string& claim) {
      clash = clash || claimed.count(claim) != 0;
    });
    if (clash) continue;
    ForEachClaimedName(name, family.family.type,
                       [&](std::string claim) { claimed.insert(std::move(claim)); });
    AppendFamily(family, options, out);
  }
  out.append("# EOF\n");
}

}  // namespace detail

std::string OpenMetricsExposition(const MetricsRegistry& registry,
                                  const OpenMetricsOptions& options) {
  std::string out;
  detail::AppendOpenMetrics(detail::SnapshotAccess::Take(registry), options, out);
  return out;
}

}  // namespace semstreams::metric
