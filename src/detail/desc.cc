#include "detail/desc.h"

#include <cmath>
#include <set>
#include <string_view>

#include "detail/names.h"
#include "detail/native_histogram.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric::detail {
namespace {

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string ValidateLabelNames(const Desc& desc) {
  std::set<std::string> seen;
  auto check = [&](const std::string& label) -> std::string {
    if (!IsValidUtf8Name(label)) {
      return "invalid label name " + Quoted(label) + " (want non-empty UTF-8)";
    }
    if (label.rfind("__", 0) == 0) {
      return "label name " + Quoted(label) + " is reserved (starts with \"__\")";
    }
    if (desc.kind == Kind::kHistogram && label == "le") {
      return "label name \"le\" is reserved for histogram buckets";
    }
    if (!seen.insert(label).second) {
      return "duplicate label name " + Quoted(label);
    }
    return {};
  };
  for (const auto& [label, value] : desc.const_labels) {
    if (auto error = check(label); !error.empty()) return error;
  }
  for (const auto& label : desc.label_names) {
    if (auto error = check(label); !error.empty()) return error;
  }
  return {};
}

std::string ValidateBuckets(const std::vector<double>& buckets) {
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (std::isnan(buckets[i])) return "histogram bucket bound is NaN";
    if (i > 0 && !(buckets[i - 1] < buckets[i])) {
      return "histogram buckets must be in strictly increasing order";
    }
  }
  return {};
}

// OpenMetrics: a unit is a name fragment the family name ends with
// (a counter's before its _total).
std::string ValidateUnit(const Desc& desc) {
  if (desc.unit.empty()) return {};
  for (char c : desc.unit) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) return "invalid unit " + Quoted(desc.unit);
  }
  const std::string_view name =
      desc.kind == Kind::kCounter ? CounterFamilyName(desc.name) : std::string_view(desc.name);
  const std::string suffix = "_" + desc.unit;
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
    return "unit " + Quoted(desc.unit) + " needs a name ending in " + Quoted(suffix) +
           (desc.kind == Kind::kCounter ? " (before _total)" : "");
  }
  return {};
}

std::string Validate(const Desc& desc) {
  if (!IsValidUtf8Name(desc.name)) {
    return "invalid metric name " + Quoted(desc.name) + " (want non-empty UTF-8)";
  }
  if (desc.help.empty()) return "metric " + Quoted(desc.name) + " has no help text";
  if (auto error = ValidateUnit(desc); !error.empty()) {
    return "metric " + Quoted(desc.name) + ": " + error;
  }
  if (desc.series_ttl.count() < 0)
    return "metric " + Quoted(desc.name) + ": series_ttl is negative";
  if (auto error = ValidateLabelNames(desc); !error.empty()) {
    return "metric " + Quoted(desc.name) + ": " + error;
  }
  if (desc.kind == Kind::kHistogram) {
    if (auto error = ValidateBuckets(*desc.buckets); !error.empty()) {
      return "metric " + Quoted(desc.name) + ": " + error;
    }
  }
  return {};
}

// What the three kinds of Opts share.
template <class Opts>
std::shared_ptr<Desc> MakeCommon(Kind kind, Opts& opts, std::vector<std::string> label_names) {
  auto desc = std::make_shared<Desc>();
  desc->name = BuildFQName(opts.ns, opts.subsystem, opts.name);
  desc->help = std::move(opts.help);
  desc->unit = std::move(opts.unit);
  desc->kind = kind;
  desc->const_labels = std::move(opts.const_labels);
  desc->label_names = std::move(label_names);
  desc->series_ttl = opts.series_ttl;
  return desc;
}

}  // namespace

std::shared_ptr<const Desc> MakeDesc(CounterOpts opts, std::vector<std::string> label_names) {
  auto desc = MakeCommon(Kind::kCounter, opts, std::move(label_names));
  desc->error = Validate(*desc);
  return desc;
}

std::shared_ptr<const Desc> MakeDesc(GaugeOpts opts, std::vector<std::string> label_names) {
  auto desc = MakeCommon(Kind::kGauge, opts, std::move(label_names));
  desc->error = Validate(*desc);
  return desc;
}

std::shared_ptr<const Desc> MakeDesc(HistogramOpts opts, std::vector<std::string> label_names) {
  auto desc = MakeCommon(Kind::kHistogram, opts, std::move(label_names));
  desc->native = MakeNativeHistogramConfig(opts);
  std::vector<double> buckets = std::move(opts.buckets);
  // As in Go, no buckets means DefBuckets unless native buckets are on:
  // then it means native buckets only.
  if (buckets.empty() && !desc->native) buckets = DefBuckets();
  // Like Go, an explicit +Inf bound is accepted and dropped: it is implied.
  if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
  desc->buckets = std::make_shared<const std::vector<double>>(std::move(buckets));
  desc->error = Validate(*desc);
  return desc;
}

Family Header(const Desc& desc) {
  Family family;
  family.name = desc.name;
  family.help = desc.help;
  family.unit = desc.unit;
  switch (desc.kind) {
    case Kind::kCounter:
      family.type = MetricType::kCounter;
      break;
    case Kind::kGauge:
      family.type = MetricType::kGauge;
      break;
    case Kind::kHistogram:
      family.type = MetricType::kHistogram;
      break;
  }
  return family;
}

std::vector<Family> Collector::Describe() const { return {Header(desc())}; }

}  // namespace semstreams::metric::detail
