#pragma once

/// \file
/// \brief Helpers shared by the core tests: finding a family or a series in
/// Gather()'s output, so each test states only the value it expects.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace semstreams::metric::testing {

/// The family called `name`, or nullptr.
inline const prometheus::MetricFamily* FindFamily(
    const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

// Gather() returns by value: a pointer into its temporary would dangle.
const prometheus::MetricFamily* FindFamily(std::vector<prometheus::MetricFamily>&& families,
                                           const std::string& name) = delete;

/// Whether a family called `name` is in `families`.
inline bool HasFamily(const std::vector<prometheus::MetricFamily>& families,
                      const std::string& name) {
  return FindFamily(families, name) != nullptr;
}

/// The series of `family` whose labels are exactly `labels`, or nullptr.
inline const prometheus::ClientMetric* FindSeries(
    const prometheus::MetricFamily& family, const std::map<std::string, std::string>& labels) {
  for (const auto& series : family.metric) {
    std::map<std::string, std::string> got;
    for (const auto& label : series.label) got[label.name] = label.value;
    if (got == labels) return &series;
  }
  return nullptr;
}

/// The label names of a series, in exported order.
inline std::vector<std::string> LabelNames(const prometheus::ClientMetric& series) {
  std::vector<std::string> names;
  for (const auto& label : series.label) names.push_back(label.name);
  return names;
}

/// The names of `families`, in order.
inline std::vector<std::string> FamilyNames(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<std::string> names;
  for (const auto& family : families) names.push_back(family.name);
  return names;
}

/// The value of a counter or gauge series, if the family and series exist.
inline std::optional<double> ScalarValue(const std::vector<prometheus::MetricFamily>& families,
                                         const std::string& name,
                                         const std::map<std::string, std::string>& labels = {}) {
  const auto* family = FindFamily(families, name);
  if (family == nullptr) return std::nullopt;
  const auto* series = FindSeries(*family, labels);
  if (series == nullptr) return std::nullopt;
  if (family->type == prometheus::MetricType::Counter) return series->counter.value;
  return series->gauge.value;
}

}  // namespace semstreams::metric::testing
