#include "exposition/openmetrics_format.h"

#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "detail/names.h"
#include "detail/snapshot_access.h"
#include "exposition/escape.h"
#include "exposition/info_metric.h"
#include "exposition/text_lines.h"

namespace semstreams::metric {
namespace detail {
namespace {

constexpr std::string_view kTotal = kTotalSuffix;

// The name a family is typed under: OpenMetrics counters drop `_total`, which
// only their samples carry.
std::string_view FamilyName(const Family& family) {
  return family.type == MetricType::kCounter ? CounterFamilyName(family.name)
                                             : std::string_view(family.name);
}

// Every name a parser attributes to a family of this type: two families
// claiming one name make the whole exposition invalid.
template <class F>
void ForEachClaimedName(std::string_view name, MetricType type, F&& f) {
  f(std::string(name));
  auto with = [&](std::string_view suffix) { f(std::string(name).append(suffix)); };
  switch (type) {
    case MetricType::kCounter:
      with("_total");
      with("_created");
      break;
    case MetricType::kHistogram:
      with("_bucket");
      with("_count");
      with("_sum");
      with("_created");
      break;
    case MetricType::kSummary:
      with("_count");
      with("_sum");
      with("_created");
      break;
    case MetricType::kInfo:
      with(kInfoSuffix);
      break;
    case MetricType::kGauge:
    case MetricType::kUntyped:
      break;
  }
}

void AppendCreated(SampleWriter& writer, const Series& series) {
  if (series.created > 0) writer.Value("_created", series.created);
}

void AppendCounter(SampleWriter& writer, const Series& series, const OpenMetricsOptions& options,
                   std::string& out) {
  // A counter that is NaN or negative (possible only in raw prometheus-cpp
  // families) has no valid OpenMetrics sample; it is left out.
  if (!(series.value >= 0)) return;
  writer.Start(kTotal);
  AppendDouble(series.value, out);
  writer.End(&series.exemplar);
  if (options.created) AppendCreated(writer, series);
}

void AppendHistogram(SampleWriter& writer, const Series& series, const OpenMetricsOptions& options,
                     std::string& out) {
  const std::vector<Bucket>& buckets = series.buckets;
  std::string bound;
  bool negative_bound = false;
  double previous = -std::numeric_limits<double>::infinity();
  bool wrote_any = false;
  for (std::size_t b = 0; b < buckets.size(); ++b) {
    const double upper = buckets[b].upper_bound;
    const bool last = b + 1 == buckets.size();
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
    AppendUint(buckets[b].cumulative_count, out);
    writer.End(&buckets[b].exemplar);
  }
  if (!wrote_any || !std::isinf(previous)) {
    writer.Start("_bucket", "le", "+Inf");
    AppendUint(series.count, out);
    writer.End();
  }
  // OpenMetrics treats _sum as a counter: a histogram with negative bounds or
  // a negative (or NaN) sum has neither _sum nor, paired with it, _count.
  if (!negative_bound && series.sum >= 0) {
    writer.Count("_count", series.count);
    writer.Value("_sum", series.sum);
  }
  if (options.created) AppendCreated(writer, series);
}

void AppendSummary(SampleWriter& writer, const Series& series, std::string& out) {
  std::string quantile;
  for (const Quantile& q : series.quantiles) {
    if (!(q.quantile >= 0 && q.quantile <= 1) || q.value < 0) continue;
    quantile.clear();
    AppendDouble(q.quantile, quantile);
    writer.Start("", "quantile", quantile);
    AppendDouble(q.value, out);
    writer.End();
  }
  writer.Count("_count", series.count);
  if (series.sum >= 0) writer.Value("_sum", series.sum);
}

void AppendFamily(const Family& family, const OpenMetricsOptions& options, bool quote_names,
                  std::string& out) {
  const std::string_view name = FamilyName(family);
  const auto comment = [&](std::string_view what) {
    out.append(what);
    AppendName(name, quote_names, out);
    out += ' ';
  };
  if (!family.help.empty()) {
    comment("# HELP ");
    AppendEscaped(family.help, /*quote=*/true, out);
    out += '\n';
  }
  comment("# TYPE ");
  out.append(TypeName(family.type, TextFlavor::kOpenMetrics)).append("\n");
  if (!family.unit.empty()) {
    comment("# UNIT ");
    out.append(family.unit) += '\n';
  }
  for (const Series& series : family.series) {
    SampleWriter writer(name, series, TextFlavor::kOpenMetrics, quote_names, out);
    switch (family.type) {
      case MetricType::kCounter:
        AppendCounter(writer, series, options, out);
        break;
      case MetricType::kHistogram:
        AppendHistogram(writer, series, options, out);
        break;
      case MetricType::kSummary:
        AppendSummary(writer, series, out);
        break;
      case MetricType::kInfo:
        writer.Value(kInfoSuffix, series.value);
        break;
      case MetricType::kGauge:
      case MetricType::kUntyped:
        writer.Value("", series.value);
        break;
    }
  }
}

}  // namespace

void AppendOpenMetrics(const RegistrySnapshot& snapshot, const OpenMetricsOptions& options,
                       bool quote_names, std::string& out) {
  // Families are sorted by their text names, which never clash; OpenMetrics
  // names can (counter "x_total" is typed as "x", which a gauge "x" is too).
  // The first family keeps a clashing name and the later one is left out.
  std::unordered_set<std::string> claimed;
  for (const auto& family : snapshot) {
    const std::string_view name = FamilyName(family);
    bool clash = false;
    ForEachClaimedName(name, family.type, [&](const std::string& claim) {
      clash = clash || claimed.count(claim) != 0;
    });
    if (clash) continue;
    ForEachClaimedName(name, family.type,
                       [&](std::string claim) { claimed.insert(std::move(claim)); });
    AppendFamily(family, options, quote_names, out);
  }
  out.append("# EOF\n");
}

}  // namespace detail

std::string OpenMetricsExposition(const MetricsRegistry& registry,
                                  const OpenMetricsOptions& options) {
  bool utf8_names = false;
  const detail::RegistrySnapshot snapshot = detail::SnapshotAccess::Take(registry, &utf8_names);
  std::string out;
  detail::AppendOpenMetrics(snapshot, options, utf8_names, out);
  return out;
}

}  // namespace semstreams::metric
