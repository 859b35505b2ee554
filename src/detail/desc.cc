#include "detail/desc.h"

#include <cmath>
#include <set>

#include "detail/names.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric::detail {
namespace {

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string ValidateLabelNames(const Desc& desc) {
  std::set<std::string> seen;
  auto check = [&](const std::string& label) -> std::string {
    if (!IsValidLabelName(label)) {
      return "invalid label name " + Quoted(label) + " (want [a-zA-Z_][a-zA-Z0-9_]*)";
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

std::string Validate(const Desc& desc) {
  if (!IsValidMetricName(desc.name)) {
    return "invalid metric name " + Quoted(desc.name) + " (want [a-zA-Z_:][a-zA-Z0-9_:]*)";
  }
  if (desc.help.empty()) return "metric " + Quoted(desc.name) + " has no help text";
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

}  // namespace

std::shared_ptr<const Desc> MakeDesc(Kind kind, const std::string& ns, const std::string& subsystem,
                                     const std::string& name, std::string help,
                                     prometheus::Labels const_labels,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets,
                                     std::shared_ptr<const NativeHistogramConfig> native) {
  auto desc = std::make_shared<Desc>();
  desc->name = BuildFQName(ns, subsystem, name);
  desc->help = std::move(help);
  desc->kind = kind;
  desc->const_labels = std::move(const_labels);
  desc->label_names = std::move(label_names);
  if (kind == Kind::kHistogram) {
    // As in Go, no buckets means DefBuckets unless native buckets are on:
    // then it means native buckets only.
    if (buckets.empty() && !native) buckets = DefBuckets();
    // Like Go, an explicit +Inf bound is accepted and dropped: it is implied.
    if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
    desc->buckets = std::make_shared<const std::vector<double>>(std::move(buckets));
    desc->native = std::move(native);
  }
  desc->error = Validate(*desc);
  return desc;
}

Family Header(const Desc& desc) {
  Family family;
  family.name = desc.name;
  family.help = desc.help;
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
