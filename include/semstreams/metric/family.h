#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semstreams::metric {

/// \brief The type of a metric family, as the exposition formats name them.
enum class MetricType { kCounter, kGauge, kHistogram, kSummary, kUntyped, kInfo };

/// \brief A label of a series or an exemplar.
struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label& a, const Label& b) {
    return a.name == b.name && a.value == b.value;
  }
};

/// \brief A sample that links a value to a trace (OpenMetrics exemplars).
struct Exemplar {
  std::vector<Label> labels;
  double value = 0;
  double timestamp = 0;  ///< seconds since the Unix epoch, wall clock
};

/// \brief One classic histogram bucket: observations <= upper_bound.
struct Bucket {
  double upper_bound = 0;
  std::uint64_t cumulative_count = 0;
  std::optional<Exemplar> exemplar;  ///< the bucket's newest exemplar
};

/// \brief One quantile of a summary.
struct Quantile {
  double quantile = 0;
  double value = 0;
};

/// \brief One run of consecutive native buckets (io.prometheus.client.BucketSpan).
struct NativeSpan {
  std::int32_t offset = 0;
  std::uint32_t length = 0;
};

/// \brief A native (sparse, exponential) histogram's buckets, as
/// io.prometheus.client.Histogram carries them: spans and count deltas.
struct NativeBuckets {
  std::int32_t schema = 0;
  double zero_threshold = 0;
  std::uint64_t zero_count = 0;
  std::vector<NativeSpan> negative_spans, positive_spans;
  std::vector<std::int64_t> negative_deltas, positive_deltas;
};

/// \brief One series of a family: its labels and the values its type has.
struct Series {
  /// Constant labels, then variable labels in the order the vector names them.
  std::vector<Label> labels;
  /// Counter, gauge, untyped and info value.
  double value = 0;
  /// A counter's newest exemplar.
  std::optional<Exemplar> exemplar;
  /// Histogram and summary observations.
  std::uint64_t count = 0;
  double sum = 0;
  /// Classic histogram buckets, cumulative, the +Inf bucket last.
  std::vector<Bucket> buckets;
  /// Summary quantiles.
  std::vector<Quantile> quantiles;
  /// A histogram's native buckets, when it has them.
  std::optional<NativeBuckets> native;
  /// When the series was created, in seconds since the Unix epoch; 0 when
  /// unknown. Written as OpenMetrics' _created and protobuf's created_timestamp.
  double created = 0;
  /// An explicit sample timestamp in milliseconds since the epoch; 0 for none
  /// (the scraper's time is used).
  std::int64_t timestamp_ms = 0;
};

/// \brief A metric family: what every exposition format, the Pusher and
/// testutil read. The library's own data model; prometheus-cpp's
/// MetricFamily, which has no room for exemplars, native buckets, created
/// timestamps or units, is only used where users meet prometheus-cpp.
struct Family {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUntyped;
  std::string unit;  ///< OpenMetrics unit ("" for none); the name ends with "_" + unit
  std::vector<Series> series;
};

}  // namespace semstreams::metric
