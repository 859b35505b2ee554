#include "push/remote_write_encoding.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <deque>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "exposition/escape.h"
#include "exposition/info_metric.h"
#include "protozero/pbf_writer.hpp"

namespace semstreams::metric::detail {
namespace {

using LabelRef = std::pair<std::string_view, std::string_view>;

// Field numbers of prometheus/prompb/types.proto and remote.proto (1.0) and
// of io/prometheus/write/v2/types.proto (2.0). The Histogram and BucketSpan
// messages are numbered alike in both.
namespace v1 {
namespace request_field {
constexpr protozero::pbf_tag_type kTimeseries = 1, kMetadata = 3;
}
namespace series_field {
constexpr protozero::pbf_tag_type kLabels = 1, kSamples = 2, kExemplars = 3;
}
namespace metadata_field {
constexpr protozero::pbf_tag_type kType = 1, kFamilyName = 2, kHelp = 4, kUnit = 5;
}
}  // namespace v1
namespace v2 {
namespace request_field {
constexpr protozero::pbf_tag_type kSymbols = 4, kTimeseries = 5;
}
namespace series_field {
constexpr protozero::pbf_tag_type kLabelsRefs = 1, kSamples = 2, kHistograms = 3, kExemplars = 4,
                                  kMetadata = 5, kCreatedTimestamp = 6;
}
namespace metadata_field {
constexpr protozero::pbf_tag_type kType = 1, kHelpRef = 3, kUnitRef = 4;
}
}  // namespace v2
namespace sample_field {
constexpr protozero::pbf_tag_type kValue = 1, kTimestamp = 2;
}
namespace exemplar_field {  // labels (1.0) or labels_refs (2.0) is field 1
constexpr protozero::pbf_tag_type kLabels = 1, kValue = 2, kTimestamp = 3;
}
namespace histogram_field {
constexpr protozero::pbf_tag_type kCountInt = 1, kSum = 3, kSchema = 4, kZeroThreshold = 5,
                                  kZeroCountInt = 6, kNegativeSpans = 8, kNegativeDeltas = 9,
                                  kPositiveSpans = 11, kPositiveDeltas = 12, kTimestamp = 15;
}

// MetricMetadata.MetricType (1.0) and Metadata.MetricType (2.0) share values.
std::int32_t MetadataType(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return 1;
    case MetricType::kGauge:
      return 2;
    case MetricType::kHistogram:
      return 3;
    case MetricType::kSummary:
      return 5;
    case MetricType::kInfo:
      return 6;
    case MetricType::kUntyped:
      break;
  }
  return 0;
}

std::int64_t Milliseconds(double epoch_seconds) {
  return static_cast<std::int64_t>(std::llround(epoch_seconds * 1000.0));
}

// An le or quantile value as Prometheus 3 stores it after a scrape, so that
// written and scraped series are the same series: Go's shortest %g (an
// exponent from 1e+06 and below 1e-04), with ".0" on whole numbers.
void AppendLabelFloat(double v, std::string& out) {
  if (std::isnan(v) || std::isinf(v)) {
    AppendDouble(v, out);  // NaN, +Inf, -Inf
    return;
  }
  char buffer[32];
  const auto scientific =
      std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific);
  const std::string_view digits(buffer, static_cast<std::size_t>(scientific.ptr - buffer));
  int exponent = 0;
  const char* e = digits.data() + digits.find('e') + 1;
  std::from_chars(*e == '+' ? e + 1 : e, digits.data() + digits.size(), exponent);
  if (exponent < -4 || exponent >= 6) {
    out.append(digits);
    return;
  }
  const auto fixed = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed);
  const std::string_view plain(buffer, static_cast<std::size_t>(fixed.ptr - buffer));
  out.append(plain);
  if (plain.find('.') == std::string_view::npos) out.append(".0");
}

// One float series of the snapshot, as Prometheus stores it: histograms and
// summaries come apart into _bucket / quantile, _sum and _count series.
struct FlatSample {
  std::string_view suffix;
  std::string_view extra_name;  // "le" or "quantile", else empty
  std::string_view extra_value;
  double value = 0;
  const Exemplar* exemplar = nullptr;
};

// Whether a histogram's classic part says anything its native part does
// not: a native-only histogram still carries the +Inf bucket.
bool HasClassicPart(const Series& series) {
  if (!series.native) return true;
  return series.buckets.size() > 1 ||
         (series.buckets.size() == 1 && !std::isinf(series.buckets[0].upper_bound));
}

// Calls `emit(const FlatSample&)` for every float series of `series`. With
// `native_sent`, a native-only histogram's classic remnant (+Inf, _sum,
// _count) is left to its native sample, as a Prometheus 3 scrape stores it.
template <class Emit>
void ForEachSample(const Family& family, const Series& series, bool native_sent,
                   std::string& scratch, Emit emit) {
  const auto labelled = [&](std::string_view suffix, std::string_view name, double key,
                            double value, const Exemplar* exemplar) {
    scratch.clear();
    AppendLabelFloat(key, scratch);
    emit(FlatSample{suffix, name, scratch, value, exemplar});
  };
  switch (family.type) {
    case MetricType::kHistogram:
      if (native_sent && !HasClassicPart(series)) return;
      for (const Bucket& bucket : series.buckets) {
        labelled("_bucket", "le", bucket.upper_bound, static_cast<double>(bucket.cumulative_count),
                 bucket.exemplar ? &*bucket.exemplar : nullptr);
      }
      emit(FlatSample{"_sum", {}, {}, series.sum, nullptr});
      emit(FlatSample{"_count", {}, {}, static_cast<double>(series.count), nullptr});
      return;
    case MetricType::kSummary:
      for (const Quantile& q : series.quantiles) {
        labelled("", "quantile", q.quantile, q.value, nullptr);
      }
      emit(FlatSample{"_sum", {}, {}, series.sum, nullptr});
      emit(FlatSample{"_count", {}, {}, static_cast<double>(series.count), nullptr});
      return;
    case MetricType::kInfo:
      emit(FlatSample{kInfoSuffix, {}, {}, series.value, nullptr});
      return;
    case MetricType::kCounter:
    case MetricType::kGauge:
    case MetricType::kUntyped:
      emit(FlatSample{"", {}, {}, series.value, series.exemplar ? &*series.exemplar : nullptr});
      return;
  }
}

// A series' labels as a receiver wants them: __name__ included, external
// labels in place of the series' own of the same name, none with an empty
// value, sorted by name.
class LabelSet {
 public:
  explicit LabelSet(const std::vector<Label>& external) : external_(external) {}

  const std::vector<LabelRef>& Build(std::string_view name, const std::vector<Label>& own,
                                     std::string_view extra_name, std::string_view extra_value) {
    labels_.clear();
    labels_.emplace_back("__name__", name);
    // An empty value is no label at all to Prometheus, which drops it.
    for (const Label& label : own) {
      if (!label.value.empty() && !IsExternal(label.name)) {
        labels_.emplace_back(label.name, label.value);
      }
    }
    if (!extra_name.empty()) labels_.emplace_back(extra_name, extra_value);
    for (const Label& label : external_) {
      if (!label.value.empty()) labels_.emplace_back(label.name, label.value);
    }
    std::sort(labels_.begin(), labels_.end(),
              [](const LabelRef& a, const LabelRef& b) { return a.first < b.first; });
    return labels_;
  }

 private:
  bool IsExternal(std::string_view name) const {
    return std::binary_search(external_.begin(), external_.end(), name,
                              [](const auto& a, const auto& b) { return NameOf(a) < NameOf(b); });
  }
  static std::string_view NameOf(const Label& label) { return label.name; }
  static std::string_view NameOf(std::string_view name) { return name; }

  const std::vector<Label>& external_;
  std::vector<LabelRef> labels_;
};

std::int64_t SampleTime(const Series& series, const WriteContext& context) {
  return series.timestamp_ms != 0 ? series.timestamp_ms : context.timestamp_ms;
}

// A snapshot's float series as a receiver stores them, each with its name,
// labels and sample time worked out.
class SeriesWalker {
 public:
  // `native_sent`: see ForEachSample.
  SeriesWalker(const WriteContext& context, bool native_sent)
      : context_(context), native_sent_(native_sent), label_set_(context.external_labels) {}

  // Calls emit(sample, labels, timestamp) for every float series of `series`.
  template <class Emit>
  void Floats(const Family& family, const Series& series, Emit emit) {
    const std::int64_t timestamp = Time(series);
    ForEachSample(family, series, native_sent_, scratch_, [&](const FlatSample& sample) {
      name_.assign(family.name).append(sample.suffix);
      emit(sample, label_set_.Build(name_, series.labels, sample.extra_name, sample.extra_value),
           timestamp);
    });
  }

  // The labels of the series itself, as a native histogram has them.
  const std::vector<LabelRef>& Labels(const Family& family, const Series& series) {
    return label_set_.Build(family.name, series.labels, {}, {});
  }

  std::int64_t Time(const Series& series) const { return SampleTime(series, context_); }

 private:
  const WriteContext& context_;
  const bool native_sent_;
  LabelSet label_set_;
  std::string name_, scratch_;
};

void AddSample(protozero::pbf_writer& series, protozero::pbf_tag_type tag, double value,
               std::int64_t timestamp_ms) {
  protozero::pbf_writer sample(series, tag);
  sample.add_double(sample_field::kValue, value);
  sample.add_int64(sample_field::kTimestamp, timestamp_ms);
}

// --- Remote-Write 1.0 -------------------------------------------------------

void AddLabelsV1(protozero::pbf_writer& parent, protozero::pbf_tag_type tag,
                 const std::vector<LabelRef>& labels) {
  for (const auto& [name, value] : labels) {
    protozero::pbf_writer label(parent, tag);
    label.add_string(1, name.data(), name.size());
    label.add_string(2, value.data(), value.size());
  }
}

std::vector<LabelRef> ExemplarLabels(const Exemplar& exemplar) {
  std::vector<LabelRef> labels;
  labels.reserve(exemplar.labels.size());
  for (const Label& label : exemplar.labels) labels.emplace_back(label.name, label.value);
  return labels;
}

}  // namespace

void EncodeWriteRequestV1(const std::vector<Family>& families, const WriteContext& context,
                          EncodedWrite& out) {
  out.body.clear();
  out.samples = out.histograms = out.exemplars = 0;
  protozero::pbf_writer request(out.body);
  SeriesWalker walker(context, /*native_sent=*/false);
  for (const Family& family : families) {
    for (const Series& series : family.series) {
      walker.Floats(family, series, [&](const FlatSample& sample, const auto& labels, auto time) {
        protozero::pbf_writer ts(request, v1::request_field::kTimeseries);
        AddLabelsV1(ts, v1::series_field::kLabels, labels);
        AddSample(ts, v1::series_field::kSamples, sample.value, time);
        ++out.samples;
        if (sample.exemplar != nullptr) {
          protozero::pbf_writer exemplar(ts, v1::series_field::kExemplars);
          AddLabelsV1(exemplar, exemplar_field::kLabels, ExemplarLabels(*sample.exemplar));
          exemplar.add_double(exemplar_field::kValue, sample.exemplar->value);
          exemplar.add_int64(exemplar_field::kTimestamp, Milliseconds(sample.exemplar->timestamp));
          ++out.exemplars;
        }
      });
    }
    protozero::pbf_writer metadata(request, v1::request_field::kMetadata);
    metadata.add_enum(v1::metadata_field::kType, MetadataType(family.type));
    metadata.add_string(v1::metadata_field::kFamilyName, family.name);
    if (!family.help.empty()) metadata.add_string(v1::metadata_field::kHelp, family.help);
    if (!family.unit.empty()) metadata.add_string(v1::metadata_field::kUnit, family.unit);
  }
}

// --- Remote-Write 2.0 -------------------------------------------------------

namespace {

// The request's symbol table: every string once, "" first, as the spec
// requires; series refer to strings by index.
class SymbolTable {
 public:
  SymbolTable() { Ref(""); }

  std::uint32_t Ref(std::string_view symbol) {
    if (const auto it = index_.find(symbol); it != index_.end()) return it->second;
    const auto ref = static_cast<std::uint32_t>(symbols_.size());
    symbols_.emplace_back(symbol);
    // The key views the table's own copy, never the caller's string.
    index_.emplace(symbols_.back(), ref);
    return ref;
  }

  void WriteTo(protozero::pbf_writer& request) const {
    for (const std::string& symbol : symbols_) {
      request.add_string(v2::request_field::kSymbols, symbol);
    }
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // A deque keeps every string where it is, so the index's views stay valid.
  std::deque<std::string> symbols_;
  std::unordered_map<std::string_view, std::uint32_t, Hash, std::equal_to<>> index_;
};

void AddLabelRefs(protozero::pbf_writer& parent, protozero::pbf_tag_type tag,
                  const std::vector<LabelRef>& labels, SymbolTable& symbols) {
  protozero::packed_field_uint32 refs(parent, tag);
  for (const auto& [name, value] : labels) {
    refs.add_element(symbols.Ref(name));
    refs.add_element(symbols.Ref(value));
  }
}

// A family's metadata, its strings looked up once for all its series.
struct MetadataRefs {
  std::int32_t type = 0;
  std::uint32_t help = 0, unit = 0;  // 0: "", not written

  MetadataRefs(const Family& family, SymbolTable& symbols)
      : type(MetadataType(family.type)),
        help(family.help.empty() ? 0 : symbols.Ref(family.help)),
        unit(family.unit.empty() ? 0 : symbols.Ref(family.unit)) {}

  void AddTo(protozero::pbf_writer& ts) const {
    protozero::pbf_writer metadata(ts, v2::series_field::kMetadata);
    metadata.add_enum(v2::metadata_field::kType, type);
    if (help != 0) metadata.add_uint32(v2::metadata_field::kHelpRef, help);
    if (unit != 0) metadata.add_uint32(v2::metadata_field::kUnitRef, unit);
  }
};

void AddCreatedV2(protozero::pbf_writer& ts, const Family& family, const Series& series) {
  const bool cumulative = family.type == MetricType::kCounter ||
                          family.type == MetricType::kHistogram ||
                          family.type == MetricType::kSummary;
  if (cumulative && series.created != 0) {
    ts.add_int64(v2::series_field::kCreatedTimestamp, Milliseconds(series.created));
  }
}

void AddExemplarV2(protozero::pbf_writer& ts, const Exemplar& exemplar, SymbolTable& symbols) {
  protozero::pbf_writer out(ts, v2::series_field::kExemplars);
  {
    protozero::packed_field_uint32 refs(out, exemplar_field::kLabels);
    for (const Label& label : exemplar.labels) {
      refs.add_element(symbols.Ref(label.name));
      refs.add_element(symbols.Ref(label.value));
    }
  }
  out.add_double(exemplar_field::kValue, exemplar.value);
  out.add_int64(exemplar_field::kTimestamp, Milliseconds(exemplar.timestamp));
}

void AddSpans(protozero::pbf_writer& histogram, protozero::pbf_tag_type tag,
              const std::vector<NativeSpan>& spans) {
  for (const NativeSpan& span : spans) {
    protozero::pbf_writer out(histogram, tag);
    out.add_sint32(1, span.offset);
    out.add_uint32(2, span.length);
  }
}

void AddDeltas(protozero::pbf_writer& histogram, protozero::pbf_tag_type tag,
               const std::vector<std::int64_t>& deltas) {
  if (deltas.empty()) return;
  protozero::packed_field_sint64 packed(histogram, tag);
  for (const std::int64_t delta : deltas) packed.add_element(delta);
}

void AddNativeHistogram(protozero::pbf_writer& ts, const Series& series, std::int64_t timestamp) {
  const NativeBuckets& native = *series.native;
  protozero::pbf_writer h(ts, v2::series_field::kHistograms);
  // count and zero_count are oneof members: written even when 0, so the
  // receiver reads an integer histogram.
  h.add_uint64(histogram_field::kCountInt, series.count);
  h.add_double(histogram_field::kSum, series.sum);
  h.add_sint32(histogram_field::kSchema, native.schema);
  h.add_double(histogram_field::kZeroThreshold, native.zero_threshold);
  h.add_uint64(histogram_field::kZeroCountInt, native.zero_count);
  AddSpans(h, histogram_field::kNegativeSpans, native.negative_spans);
  AddDeltas(h, histogram_field::kNegativeDeltas, native.negative_deltas);
  AddSpans(h, histogram_field::kPositiveSpans, native.positive_spans);
  AddDeltas(h, histogram_field::kPositiveDeltas, native.positive_deltas);
  h.add_int64(histogram_field::kTimestamp, timestamp);
}

}  // namespace

void EncodeWriteRequestV2(const std::vector<Family>& families, const WriteContext& context,
                          EncodedWrite& out) {
  out.body.clear();
  out.series_scratch.clear();
  out.samples = out.histograms = out.exemplars = 0;
  SymbolTable symbols;
  // Series first, into their own buffer: the symbol table is complete only
  // after the last one, and goes first in the request, as Prometheus writes it.
  protozero::pbf_writer request(out.series_scratch);
  SeriesWalker walker(context, context.native_histograms);
  for (const Family& family : families) {
    if (family.series.empty()) continue;
    const MetadataRefs metadata(family, symbols);
    for (const Series& series : family.series) {
      walker.Floats(family, series, [&](const FlatSample& sample, const auto& labels, auto time) {
        protozero::pbf_writer ts(request, v2::request_field::kTimeseries);
        AddLabelRefs(ts, v2::series_field::kLabelsRefs, labels, symbols);
        AddSample(ts, v2::series_field::kSamples, sample.value, time);
        ++out.samples;
        if (sample.exemplar != nullptr) {
          AddExemplarV2(ts, *sample.exemplar, symbols);
          ++out.exemplars;
        }
        metadata.AddTo(ts);
        AddCreatedV2(ts, family, series);
      });
      if (!context.native_histograms || family.type != MetricType::kHistogram || !series.native) {
        continue;
      }
      protozero::pbf_writer ts(request, v2::request_field::kTimeseries);
      AddLabelRefs(ts, v2::series_field::kLabelsRefs, walker.Labels(family, series), symbols);
      AddNativeHistogram(ts, series, walker.Time(series));
      ++out.histograms;
      // Exemplars of a native-only histogram have no bucket series to go with.
      if (!HasClassicPart(series)) {
        for (const Bucket& bucket : series.buckets) {
          if (bucket.exemplar) {
            AddExemplarV2(ts, *bucket.exemplar, symbols);
            ++out.exemplars;
          }
        }
      }
      metadata.AddTo(ts);
      AddCreatedV2(ts, family, series);
    }
  }
  {
    protozero::pbf_writer body(out.body);
    symbols.WriteTo(body);
  }
  out.body.append(out.series_scratch);
}

}  // namespace semstreams::metric::detail
