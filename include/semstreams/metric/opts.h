#pragma once

#include <chrono>
#include <cstdint>
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
  /// \brief The OpenMetrics unit ("bytes", "seconds"; "" for none): `# UNIT`
  /// in OpenMetrics, `unit` in protobuf. The name must end with "_" + unit
  /// (before "_total" on a counter); Register* refuses it otherwise.
  std::string unit{};
  /// \brief On a vector: a child not written for this long is removed, as
  /// Delete would, and its memory returned; writing its labels again starts it
  /// afresh from 0. 0 keeps children until Delete or Reset. A handle kept
  /// across the expiry stays safe, but what it records is no longer exported.
  std::chrono::nanoseconds series_ttl{0};
};

/// \brief Definition of a gauge; the exported name is BuildFQName(ns,
/// subsystem, name).
struct GaugeOpts {
  std::string ns{}, subsystem{}, name{}, help{};
  prometheus::Labels const_labels{};
  /// \brief The OpenMetrics unit ("bytes", "seconds"; "" for none): `# UNIT`
  /// in OpenMetrics, `unit` in protobuf. The name must end with "_" + unit
  /// (before "_total" on a counter); Register* refuses it otherwise.
  std::string unit{};
  /// \brief On a vector: a child not written for this long is removed, as
  /// Delete would, and its memory returned; writing its labels again starts it
  /// afresh from 0. 0 keeps children until Delete or Reset. A handle kept
  /// across the expiry stays safe, but what it records is no longer exported.
  std::chrono::nanoseconds series_ttl{0};
};

/// \brief client_golang's DefNativeHistogramZeroThreshold, 2^-128: a bucket
/// boundary at every schema.
inline constexpr double kDefNativeHistogramZeroThreshold = 2.938735877055719e-39;

/// \brief As native_histogram_zero_threshold: a zero bucket that only takes 0.
inline constexpr double kNativeHistogramZeroThresholdZero = -1;

/// \brief Definition of a histogram. Buckets are upper bounds in increasing
/// order; a trailing +Inf is implied, and an empty list means DefBuckets()
/// (or, with native buckets on, no classic buckets at all, as in Go).
///
/// The native_histogram_* fields are client_golang 1.14's: a factor > 1
/// adds native (sparse, exponential) buckets, exposed in the protobuf format
/// beside the classic ones.
struct HistogramOpts {
  std::string ns{}, subsystem{}, name{}, help{};
  prometheus::Labels const_labels{};
  std::vector<double> buckets = DefBuckets();
  /// \brief Largest growth from one native bucket to the next; > 1 turns
  /// native buckets on (1.1 gives 8 buckets per power of two).
  double native_histogram_bucket_factor = 0;
  /// \brief |v| at or below this counts in the zero bucket; 0 means
  /// kDefNativeHistogramZeroThreshold, negative means exactly zero only.
  double native_histogram_zero_threshold = 0;
  /// \brief Most native buckets before the limit strategy runs; 0: no limit.
  std::uint32_t native_histogram_max_bucket_number = 0;
  /// \brief Over the limit, reset everything if the last reset is this old (0: never).
  std::chrono::nanoseconds native_histogram_min_reset_duration{0};
  /// \brief Over the limit without a reset, widen the zero bucket up to this.
  double native_histogram_max_zero_threshold = 0;
  /// \brief The OpenMetrics unit ("bytes", "seconds"; "" for none): `# UNIT`
  /// in OpenMetrics, `unit` in protobuf. The name must end with "_" + unit
  /// (before "_total" on a counter); Register* refuses it otherwise.
  std::string unit{};
  /// \brief On a vector: a child not written for this long is removed, as
  /// Delete would, and its memory returned; writing its labels again starts it
  /// afresh from 0. 0 keeps children until Delete or Reset. A handle kept
  /// across the expiry stays safe, but what it records is no longer exported.
  std::chrono::nanoseconds series_ttl{0};
};

}  // namespace semstreams::metric
