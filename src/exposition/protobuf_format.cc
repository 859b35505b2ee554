#include "exposition/protobuf_format.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "exposition/info_metric.h"
#include "protozero/pbf_writer.hpp"
#include "protozero/varint.hpp"

namespace semstreams::metric::detail {
namespace {

// Field numbers of client_model's metrics.proto.
namespace family_field {
constexpr protozero::pbf_tag_type kName = 1, kHelp = 2, kType = 3, kMetric = 4, kUnit = 5;
}
namespace metric_field {
constexpr protozero::pbf_tag_type kLabel = 1, kGauge = 2, kCounter = 3, kSummary = 4, kUntyped = 5,
                                  kTimestampMs = 6, kHistogram = 7;
}
namespace counter_field {
constexpr protozero::pbf_tag_type kValue = 1, kExemplar = 2, kCreatedTimestamp = 3;
}
namespace summary_field {
constexpr protozero::pbf_tag_type kCreatedTimestamp = 4;
}
namespace histogram_field {
constexpr protozero::pbf_tag_type kSampleCount = 1, kSampleSum = 2, kBucket = 3, kSchema = 5,
                                  kZeroThreshold = 6, kZeroCount = 7, kNegativeSpan = 9,
                                  kNegativeDelta = 10, kPositiveSpan = 12, kPositiveDelta = 13,
                                  kCreatedTimestamp = 15, kExemplars = 16;
}
// MetricType enum values.
constexpr std::int32_t kCounter = 0, kGauge = 1, kSummary = 2, kUntyped = 3, kHistogram = 4;

// Sizes of messages known before writing them: protozero then writes the
// length first instead of reserving room and moving the message back.
std::size_t FieldSize(std::size_t size) {  // tag (< 16) + length + payload
  return 1 + static_cast<std::size_t>(protozero::length_of_varint(size)) + size;
}
std::size_t LabelPairSize(const Label& label) {
  return FieldSize(label.name.size()) + FieldSize(label.value.size());
}
constexpr std::size_t kDoubleMessageSize = 9;  // one double field: tag + 8 bytes

// A google.protobuf.Timestamp: whole seconds and nanoseconds since the epoch.
struct Timestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;

  explicit Timestamp(double epoch_seconds) {
    const double whole = std::floor(epoch_seconds);
    seconds = static_cast<std::int64_t>(whole);
    nanos = static_cast<std::int32_t>(std::lround((epoch_seconds - whole) * 1e9));
    if (nanos >= 1'000'000'000) {
      nanos -= 1'000'000'000;
      ++seconds;
    }
  }
  // Zero fields are left out, as proto3 writers do.
  std::size_t Size() const {
    return (seconds != 0 ? 1 + protozero::length_of_varint(static_cast<std::uint64_t>(seconds))
                         : 0) +
           (nanos != 0 ? 1 + protozero::length_of_varint(static_cast<std::uint64_t>(nanos)) : 0);
  }
  void AddTo(protozero::pbf_writer& parent, protozero::pbf_tag_type tag) const;
};

// The size of a counter, gauge or untyped series without an exemplar or
// timestamp; 0 (unknown) for anything else.
// A counter's value and creation time, when it has no exemplar.
std::size_t CounterSize(const Timestamp* created) {
  return kDoubleMessageSize + (created != nullptr ? FieldSize(created->Size()) : 0);
}

std::size_t SimpleMetricSize(MetricType type, const Series& in, const Timestamp* created) {
  if (in.timestamp_ms != 0 || in.exemplar) return 0;
  if (type == MetricType::kHistogram || type == MetricType::kSummary) return 0;
  std::size_t size =
      FieldSize(type == MetricType::kCounter ? CounterSize(created) : kDoubleMessageSize);
  for (const Label& label : in.labels) size += FieldSize(LabelPairSize(label));
  return size;
}

// A submessage's size, when known, saves protozero a reserve-and-move. The
// bytes are the same either way, but protozero 1.7's debug-build check
// refuses any write to a parent after a presized child (the child leaves the
// parent's position set), so debug builds, the sanitizer ones among them,
// take the unsized path.
constexpr std::size_t Presized(std::size_t size) {
#ifdef NDEBUG
  return size;
#else
  static_cast<void>(size);
  return 0;
#endif
}

void AddLabel(protozero::pbf_writer& parent, protozero::pbf_tag_type tag, const Label& label) {
  protozero::pbf_writer out(parent, tag, Presized(LabelPairSize(label)));
  out.add_string(1, label.name);
  out.add_string(2, label.value);
}

void AddExemplar(protozero::pbf_writer& parent, protozero::pbf_tag_type tag,
                 const Exemplar& exemplar) {
  protozero::pbf_writer out(parent, tag);
  for (const Label& label : exemplar.labels) AddLabel(out, 1, label);
  out.add_double(2, exemplar.value);
  Timestamp(exemplar.timestamp).AddTo(out, 3);
}

void Timestamp::AddTo(protozero::pbf_writer& parent, protozero::pbf_tag_type tag) const {
  // Encoded by hand into one buffer: a nested writer per series cost more
  // than the rest of a counter's message.
  char buffer[2 * (1 + protozero::max_varint_length)];
  char* end = buffer;
  if (seconds != 0) {
    *end++ = 0x08;  // field 1, varint
    end += protozero::add_varint_to_buffer(end, static_cast<std::uint64_t>(seconds));
  }
  if (nanos != 0) {
    *end++ = 0x10;  // field 2, varint
    end += protozero::add_varint_to_buffer(end, static_cast<std::uint64_t>(nanos));
  }
  parent.add_bytes(tag, buffer, static_cast<std::size_t>(end - buffer));
}

// The created timestamp client_golang >= 1.17 writes for counters, summaries
// and histograms: Prometheus can then store a 0 at creation, so the first
// increase after a restart counts in rate().
void AddCreated(protozero::pbf_writer& parent, protozero::pbf_tag_type tag,
                const Timestamp* created) {
  if (created != nullptr) created->AddTo(parent, tag);
}

void AddSpans(protozero::pbf_writer& histogram, protozero::pbf_tag_type span_tag,
              protozero::pbf_tag_type delta_tag, const std::vector<NativeSpan>& spans,
              const std::vector<std::int64_t>& deltas) {
  for (const NativeSpan& span : spans) {
    protozero::pbf_writer out(histogram, span_tag);
    out.add_sint32(1, span.offset);
    out.add_uint32(2, span.length);
  }
  // proto2 repeated scalars are unpacked by default; write them as Go does.
  for (std::int64_t delta : deltas) histogram.add_sint64(delta_tag, delta);
}

void AddHistogram(protozero::pbf_writer& metric, const Series& in, const Timestamp* created) {
  protozero::pbf_writer out(metric, metric_field::kHistogram);
  out.add_uint64(histogram_field::kSampleCount, in.count);
  out.add_double(histogram_field::kSampleSum, in.sum);
  // A native-only histogram has just the implied +Inf bucket: none is
  // written, so that it is not taken for a classic one; its exemplar goes
  // with the native ones below.
  const bool classic = !in.native || in.buckets.size() > 1;
  for (const Bucket& bucket : in.buckets) {
    if (!classic) break;
    // As in client_golang, +Inf is implied by the count unless it carries an
    // exemplar.
    if (std::isinf(bucket.upper_bound) && bucket.upper_bound > 0 && !bucket.exemplar) continue;
    protozero::pbf_writer out_bucket(out, histogram_field::kBucket);
    out_bucket.add_uint64(1, bucket.cumulative_count);
    out_bucket.add_double(2, bucket.upper_bound);
    if (bucket.exemplar) AddExemplar(out_bucket, 3, *bucket.exemplar);
  }
  if (in.native) {
    const NativeBuckets& native = *in.native;
    out.add_sint32(histogram_field::kSchema, native.schema);
    out.add_double(histogram_field::kZeroThreshold, native.zero_threshold);
    out.add_uint64(histogram_field::kZeroCount, native.zero_count);
    AddSpans(out, histogram_field::kNegativeSpan, histogram_field::kNegativeDelta,
             native.negative_spans, native.negative_deltas);
    AddSpans(out, histogram_field::kPositiveSpan, histogram_field::kPositiveDelta,
             native.positive_spans, native.positive_deltas);
    // An empty native histogram with a zero threshold of 0 would look like a
    // classic one without buckets; client_golang >= 1.17 adds a no-op span.
    if (native.zero_threshold == 0 && native.zero_count == 0 && native.positive_spans.empty() &&
        native.negative_spans.empty()) {
      protozero::pbf_writer span(out, histogram_field::kPositiveSpan);
      span.add_sint32(1, 0);
      span.add_uint32(2, 0);
    }
  }
  AddCreated(out, histogram_field::kCreatedTimestamp, created);
  // Prometheus reads a native histogram's exemplars from their own field.
  if (in.native) {
    for (const Bucket& bucket : in.buckets) {
      if (bucket.exemplar) AddExemplar(out, histogram_field::kExemplars, *bucket.exemplar);
    }
  }
}

void AddValue(protozero::pbf_writer& metric, protozero::pbf_tag_type tag, double value) {
  protozero::pbf_writer out(metric, tag, Presized(kDoubleMessageSize));
  out.add_double(1, value);
}

void AddMetric(protozero::pbf_writer& family, MetricType type, const Series& in) {
  // Converted once: the sizes and the field all need it.
  const std::optional<Timestamp> created_at =
      in.created > 0 ? std::optional<Timestamp>(Timestamp(in.created)) : std::nullopt;
  const Timestamp* created = created_at ? &*created_at : nullptr;
  protozero::pbf_writer out(family, family_field::kMetric,
                            Presized(SimpleMetricSize(type, in, created)));
  for (const Label& label : in.labels) AddLabel(out, metric_field::kLabel, label);
  switch (type) {
    case MetricType::kCounter: {
      protozero::pbf_writer counter(out, metric_field::kCounter,
                                    in.exemplar ? 0 : Presized(CounterSize(created)));
      counter.add_double(counter_field::kValue, in.value);
      if (in.exemplar) AddExemplar(counter, counter_field::kExemplar, *in.exemplar);
      AddCreated(counter, counter_field::kCreatedTimestamp, created);
      break;
    }
    case MetricType::kGauge:
    case MetricType::kInfo:  // metrics.proto has no info type; a gauge, as in text
      AddValue(out, metric_field::kGauge, in.value);
      break;
    case MetricType::kUntyped:
      AddValue(out, metric_field::kUntyped, in.value);
      break;
    case MetricType::kSummary: {
      protozero::pbf_writer summary(out, metric_field::kSummary);
      summary.add_uint64(1, in.count);
      summary.add_double(2, in.sum);
      for (const Quantile& quantile : in.quantiles) {
        protozero::pbf_writer q(summary, 3);
        q.add_double(1, quantile.quantile);
        q.add_double(2, quantile.value);
      }
      AddCreated(summary, summary_field::kCreatedTimestamp, created);
      break;
    }
    case MetricType::kHistogram:
      AddHistogram(out, in, created);
      break;
  }
  if (in.timestamp_ms != 0) out.add_int64(metric_field::kTimestampMs, in.timestamp_ms);
}

std::int32_t TypeOf(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return kCounter;
    case MetricType::kGauge:
    case MetricType::kInfo:
      return kGauge;
    case MetricType::kSummary:
      return kSummary;
    case MetricType::kHistogram:
      return kHistogram;
    case MetricType::kUntyped:
      break;
  }
  return kUntyped;
}

}  // namespace

void AppendProtobuf(const RegistrySnapshot& snapshot, std::string& out) {
  for (const Family& family : snapshot) {
    if (family.series.empty()) continue;  // as Gather() leaves them out of text
    // Room for the length prefix, written once the family's size is known.
    const std::size_t start = out.size();
    out.append(protozero::max_varint_length, '\0');
    {
      protozero::pbf_writer writer(out);
      writer.add_string(family_field::kName,
                        family.type == MetricType::kInfo ? family.name + kInfoSuffix : family.name);
      if (!family.help.empty()) writer.add_string(family_field::kHelp, family.help);
      writer.add_enum(family_field::kType, TypeOf(family.type));
      for (const Series& series : family.series) AddMetric(writer, family.type, series);
      if (!family.unit.empty()) writer.add_string(family_field::kUnit, family.unit);
    }
    const std::size_t size = out.size() - start - protozero::max_varint_length;
    char prefix[protozero::max_varint_length];
    const int n = protozero::add_varint_to_buffer(prefix, size);
    out.replace(start, protozero::max_varint_length, prefix, static_cast<std::size_t>(n));
  }
}

}  // namespace semstreams::metric::detail
