#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "prometheus/labels.h"

namespace semstreams::metric {

/// \brief client_golang's default histogram buckets, in seconds:
/// .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> DefBuckets();

/// \brief Joins the non-empty parts with '_', like Go's prometheus.BuildFQName.
std::string BuildFQName(std::string_view ns, std::string_view subsystem, std::string_view name);

/// \brief Definition of a counter; the exported name is BuildFQName(ns,
/// subsystem, name).
struct CounterOpts {
  // Every field has an initialiser so that designated initialisers that skip
  // some ({.name = ..., .help = ...}) compile cleanly under -Wextra.
  std::string ns{}, subsystem{}, name{}, help{};
  prometheus::Labels const_labels{};
};

/// \brief Definition of a gauge; the exported name is BuildFQName(ns,
/// subsystem, name).
struct GaugeOpts {
  std::string ns{}, subsystem{}, name{}, help{};
  prometheus::Labels const_labels{};
};

/// \brief Definition of a histogram. Buckets are upper bounds in increasing
/// order; a trailing +Inf is implied, and an empty list means DefBuckets().
struct HistogramOpts {
  std::string ns{}, subsystem{}, name{}, help{};
  prometheus::Labels const_labels{};
  std::vector<double> buckets = DefBuckets();
};

}  // namespace semstreams::metric
