#pragma once

#include <memory>
#include <string>
#include <vector>

#include "prometheus/labels.h"
#include "prometheus/metric_family.h"

namespace semstreams::metric::detail {

enum class Kind { kCounter, kGauge, kHistogram };

struct NativeHistogramConfig;
struct FamilySnapshot;

/// \brief What a metric is: its full name, help, type, labels and buckets,
/// plus why the definition is invalid (empty when it is valid). Immutable.
struct Desc {
  std::string name;
  std::string help;
  Kind kind = Kind::kCounter;
  prometheus::Labels const_labels;
  std::vector<std::string> label_names;
  std::shared_ptr<const std::vector<double>> buckets;  // histograms only
  // Histograms with native buckets only.
  std::shared_ptr<const NativeHistogramConfig> native;
  std::string error;
};

/// \brief Something the registry exports: one family per Collect().
class Collector {
 public:
  virtual ~Collector() = default;
  /// \brief The definition of the exported family.
  virtual const Desc& desc() const = 0;
  /// \brief Fills `out` with the family and its series' extras (exemplars).
  virtual void Collect(FamilySnapshot& out) const = 0;
};

}  // namespace semstreams::metric::detail
