#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prometheus/labels.h"
#include "semstreams/metric/collector.h"

namespace semstreams::metric::detail {

enum class Kind { kCounter, kGauge, kHistogram };

struct NativeHistogramConfig;

/// \brief What a metric is: its full name, help, type, labels and buckets,
/// plus why the definition is invalid (empty when it is valid). Immutable.
struct Desc {
  std::string name;
  std::string help;
  std::string unit;
  Kind kind = Kind::kCounter;
  prometheus::Labels const_labels;
  std::vector<std::string> label_names;
  std::shared_ptr<const std::vector<double>> buckets;  // histograms only
  // Histograms with native buckets only.
  std::shared_ptr<const NativeHistogramConfig> native;
  // Vectors only: how long an unwritten child lives (0: for ever), and the
  // clock it is measured on (null: steady_clock; tests inject their own).
  std::chrono::nanoseconds series_ttl{0};
  std::function<std::chrono::steady_clock::time_point()> clock;
  std::string error;
};

/// \brief A collector of one family defined by a Desc: the library's handles,
/// vectors and function metrics.
class Collector : public metric::Collector {
 public:
  /// \brief The definition of the exported family.
  virtual const Desc& desc() const = 0;
  /// \brief Appends the family's series.
  virtual void CollectSeries(std::vector<Series>& out) const = 0;

  std::vector<Family> Describe() const final;
  void Collect(std::vector<Family>& families) const final { CollectSeries(families[0].series); }
};

}  // namespace semstreams::metric::detail
