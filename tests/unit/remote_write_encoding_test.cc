// Remote-write request bodies, decoded by the real libprotobuf against the
// schemas real Prometheus binaries register: Remote-Write 1.0's
// prometheus.WriteRequest from the system's Prometheus 2.42, and 2.0's
// io.prometheus.write.v2.Request from Prometheus 3.5.3. Expectations come
// from the input families and the protocol specs, never from the encoder.
#include "push/remote_write_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/remote_write_decoder.h"

namespace semstreams::metric {
namespace {

using detail::EncodedWrite;
using detail::EncodeWriteRequestV1;
using detail::EncodeWriteRequestV2;
using detail::WriteContext;
using nlohmann::json;
using testing::JsonDouble;
using testing::JsonInt;
using testing::JsonUint;
using testing::kRemoteWriteV1Request;
using testing::kRemoteWriteV2Request;
using testing::RemoteWriteDecoder;
using LabelMap = std::map<std::string, std::string>;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kNowMs = 1'700'000'000'000;

const RemoteWriteDecoder& Prometheus2() {
  static const RemoteWriteDecoder decoder(SEMSTREAMS_METRIC_PROMETHEUS2_BIN);
  return decoder;
}

bool HavePrometheus3() { return !std::string_view(SEMSTREAMS_METRIC_PROMETHEUS3_BIN).empty(); }

const RemoteWriteDecoder& Prometheus3() {
  static const RemoteWriteDecoder decoder(SEMSTREAMS_METRIC_PROMETHEUS3_BIN);
  return decoder;
}

// ---------------------------------------------------------------------------
// Bodies decoded into one shape for both versions, V2's references resolved.

struct DecodedExemplar {
  LabelMap labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

struct DecodedSample {
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

struct DecodedSeries {
  std::vector<Label> labels;  // in the order sent
  std::vector<DecodedSample> samples;
  std::vector<DecodedExemplar> exemplars;
  std::vector<json> histograms;
  // Remote-Write 2.0 only.
  std::string type;
  std::string help, unit;
  std::int64_t created_ms = 0;

  LabelMap LabelSet() const {
    LabelMap set;
    for (const Label& label : labels) set[label.name] = label.value;
    return set;
  }
  std::string Name() const { return LabelSet()["__name__"]; }
};

struct DecodedWrite {
  std::vector<DecodedSeries> series;
  std::vector<json> metadata;  // Remote-Write 1.0 only

  // The series with exactly these labels (__name__ included), or null.
  const DecodedSeries* Find(const LabelMap& labels) const {
    const DecodedSeries* found = nullptr;
    for (const DecodedSeries& s : series) {
      if (s.LabelSet() != labels) continue;
      EXPECT_EQ(found, nullptr) << "two series with the same labels";
      found = &s;
    }
    return found;
  }
  std::vector<const DecodedSeries*> Named(std::string_view name) const {
    std::vector<const DecodedSeries*> named;
    for (const DecodedSeries& s : series) {
      if (s.Name() == name) named.push_back(&s);
    }
    return named;
  }
  std::uint64_t Samples() const {
    std::uint64_t n = 0;
    for (const DecodedSeries& s : series) n += s.samples.size();
    return n;
  }
  std::uint64_t Histograms() const {
    std::uint64_t n = 0;
    for (const DecodedSeries& s : series) n += s.histograms.size();
    return n;
  }
  std::uint64_t Exemplars() const {
    std::uint64_t n = 0;
    for (const DecodedSeries& s : series) n += s.exemplars.size();
    return n;
  }
};

// What both specs require of every series' labels: sorted by name (byte-wise,
// as Go compares strings), no name twice, no empty name or value, and SHOULD
// have a metric name.
void ExpectValidLabels(const std::vector<Label>& labels) {
  for (std::size_t i = 1; i < labels.size(); ++i) {
    EXPECT_LT(labels[i - 1].name, labels[i].name) << "labels not strictly sorted by name";
  }
  for (const Label& label : labels) {
    EXPECT_FALSE(label.name.empty()) << "an empty label name";
    EXPECT_FALSE(label.value.empty()) << "label " << label.name << " has an empty value";
  }
  EXPECT_TRUE(std::any_of(labels.begin(), labels.end(), [](const Label& l) {
    return l.name == "__name__";
  })) << "a series without __name__";
}

DecodedWrite DecodeV1(const std::string& body, const RemoteWriteDecoder& decoder = Prometheus2()) {
  const json request = decoder.Decode(kRemoteWriteV1Request, body);
  DecodedWrite write;
  for (const json& ts : request.at("timeseries")) {
    DecodedSeries& series = write.series.emplace_back();
    for (const json& label : ts.at("labels")) {
      series.labels.push_back(
          {label.at("name").get<std::string>(), label.at("value").get<std::string>()});
    }
    ExpectValidLabels(series.labels);
    for (const json& sample : ts.at("samples")) {
      series.samples.push_back({JsonDouble(sample.at("value")), JsonInt(sample.at("timestamp"))});
    }
    for (const json& exemplar : ts.at("exemplars")) {
      DecodedExemplar& e = series.exemplars.emplace_back();
      for (const json& label : exemplar.at("labels")) {
        e.labels[label.at("name").get<std::string>()] = label.at("value").get<std::string>();
      }
      e.value = JsonDouble(exemplar.at("value"));
      e.timestamp_ms = JsonInt(exemplar.at("timestamp"));
    }
    for (const json& histogram : ts.at("histograms")) series.histograms.push_back(histogram);
  }
  for (const json& metadata : request.at("metadata")) write.metadata.push_back(metadata);
  return write;
}

// The symbol `ref` points at; the spec requires it to exist.
std::string Symbol(const json& ref, const std::vector<std::string>& symbols) {
  const auto index = ref.get<std::uint64_t>();
  if (index >= symbols.size()) {
    ADD_FAILURE() << "reference " << index << " past the " << symbols.size() << " symbols";
    return "<bad reference>";
  }
  return symbols[index];
}

// labels_refs: (name, value) reference pairs.
std::vector<Label> Resolve(const json& refs, const std::vector<std::string>& symbols) {
  EXPECT_EQ(refs.size() % 2, 0u) << "labels_refs of odd length";
  std::vector<Label> labels;
  for (std::size_t i = 0; i + 1 < refs.size(); i += 2) {
    labels.push_back({Symbol(refs[i], symbols), Symbol(refs[i + 1], symbols)});
  }
  return labels;
}

DecodedWrite DecodeV2(const std::string& body) {
  const json request = Prometheus3().Decode(kRemoteWriteV2Request, body);
  const auto symbols = request.at("symbols").get<std::vector<std::string>>();
  // The spec: the first symbol is "", and the table is de-duplicated.
  EXPECT_TRUE(!symbols.empty() && symbols[0].empty()) << "symbols[0] must be \"\"";
  EXPECT_EQ(std::set<std::string>(symbols.begin(), symbols.end()).size(), symbols.size())
      << "a symbol appears twice";
  DecodedWrite write;
  for (const json& ts : request.at("timeseries")) {
    DecodedSeries& series = write.series.emplace_back();
    series.labels = Resolve(ts.at("labels_refs"), symbols);
    ExpectValidLabels(series.labels);
    for (const json& sample : ts.at("samples")) {
      series.samples.push_back({JsonDouble(sample.at("value")), JsonInt(sample.at("timestamp"))});
    }
    for (const json& exemplar : ts.at("exemplars")) {
      DecodedExemplar& e = series.exemplars.emplace_back();
      for (Label& label : Resolve(exemplar.at("labels_refs"), symbols)) {
        e.labels[label.name] = label.value;
      }
      e.value = JsonDouble(exemplar.at("value"));
      e.timestamp_ms = JsonInt(exemplar.at("timestamp"));
    }
    for (const json& histogram : ts.at("histograms")) series.histograms.push_back(histogram);
    if (ts.contains("metadata")) {
      const json& metadata = ts.at("metadata");
      series.type = metadata.at("type").get<std::string>();
      series.help = Symbol(metadata.at("help_ref"), symbols);
      series.unit = Symbol(metadata.at("unit_ref"), symbols);
    }
    series.created_ms = JsonInt(ts.at("created_timestamp"));
  }
  return write;
}

LabelMap With(LabelMap labels, const std::string& name) {
  labels["__name__"] = name;
  return labels;
}

// ---------------------------------------------------------------------------
// Input families.

Exemplar TraceExemplar(const std::string& trace, double value, double seconds) {
  return Exemplar{.labels = {{"trace_id", trace}}, .value = value, .timestamp = seconds};
}

// Built field by field: -Wextra wants every member of a designated
// initialiser that has no default of its own.
Family MakeFamily(std::string name, MetricType type, std::vector<Series> series,
                  std::string help = "", std::string unit = "") {
  Family family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  family.unit = std::move(unit);
  family.series = std::move(series);
  return family;
}

// A counter, gauge, untyped or info series.
Series Point(std::vector<Label> labels, double value) {
  Series series;
  series.labels = std::move(labels);
  series.value = value;
  return series;
}

Bucket MakeBucket(double upper_bound, std::uint64_t cumulative_count) {
  Bucket bucket;
  bucket.upper_bound = upper_bound;
  bucket.cumulative_count = cumulative_count;
  return bucket;
}

Series SummarySeries(std::vector<Label> labels, std::uint64_t count, double sum,
                     std::vector<Quantile> quantiles) {
  Series series;
  series.labels = std::move(labels);
  series.count = count;
  series.sum = sum;
  series.quantiles = std::move(quantiles);
  return series;
}

// A classic histogram: observations 0.25, 0.75, 0.8, 3 and their buckets.
Series ClassicHistogramSeries(std::vector<Label> labels) {
  Series series;
  series.labels = std::move(labels);
  series.count = 4;
  series.sum = 4.8;
  series.buckets = {MakeBucket(0.5, 1), MakeBucket(1, 3), MakeBucket(kInf, 4)};
  return series;
}

// Schema 0, buckets (0.5, 1] x2, (1, 2] x0, (2, 4] x3 and [-1, -0.5) x1,
// written as spans and deltas as client_golang does.
NativeBuckets SomeNativeBuckets() {
  return NativeBuckets{.schema = 0,
                       .zero_threshold = 1e-9,
                       .zero_count = 2,
                       .negative_spans = {{.offset = 0, .length = 1}},
                       .positive_spans = {{.offset = 0, .length = 1}, {.offset = 1, .length = 1}},
                       .negative_deltas = {1},
                       .positive_deltas = {2, 1}};
}

// How the library exposes a native-only histogram: the implied +Inf bucket
// only, beside the native buckets.
Series NativeOnlyHistogramSeries() {
  Series series;
  series.count = 8;
  series.sum = 7.5;
  series.buckets = {MakeBucket(kInf, 8)};
  series.native = SomeNativeBuckets();
  return series;
}

// One family of each type, with what the encoders must carry of each.
std::vector<Family> EveryType() {
  Series exemplar_series = Point({{"queue", "b"}}, 5);
  exemplar_series.exemplar = TraceExemplar("t1", 2, 1'699'999'999.5);
  return {
      MakeFamily("jobs_total", MetricType::kCounter, {exemplar_series, Point({{"queue", "a"}}, 7)},
                 "Jobs done."),
      MakeFamily("temperature_celsius", MetricType::kGauge, {Point({}, -1.5)}, "Temperature.",
                 "celsius"),
      MakeFamily("latency_seconds", MetricType::kHistogram,
                 {ClassicHistogramSeries({{"path", "/x"}})}, "Latency.", "seconds"),
      MakeFamily(
          "rpc_seconds", MetricType::kSummary,
          {SummarySeries({}, 10, 12.5,
                         {{.quantile = 0.5, .value = 1.25}, {.quantile = 0.99, .value = 3}})},
          "RPC time."),
      MakeFamily("build", MetricType::kInfo, {Point({{"version", "1.2.3"}}, 1)},
                 "Build information."),
      MakeFamily("raw_value", MetricType::kUntyped, {Point({}, 42)}, "Untyped."),
  };
}

WriteContext At(std::int64_t timestamp_ms, std::vector<Label> external = {}) {
  return WriteContext{.external_labels = std::move(external), .timestamp_ms = timestamp_ms};
}

// What a body must carry of `families`, counted from the input: float
// samples, native histogram samples and exemplars.
struct Carried {
  std::uint64_t samples = 0, histograms = 0, exemplars = 0;
};

bool HasClassicBuckets(const Series& series) {
  return series.buckets.size() > 1 ||
         (series.buckets.size() == 1 && !std::isinf(series.buckets[0].upper_bound));
}

Carried ExpectedCarried(const std::vector<Family>& families, int version) {
  Carried carried;
  for (const Family& family : families) {
    for (const Series& series : family.series) {
      switch (family.type) {
        case MetricType::kHistogram: {
          const bool native = version == 2 && series.native.has_value();
          if (native) ++carried.histograms;
          // Beside native buckets, only real classic buckets make classic series.
          if (native && !HasClassicBuckets(series)) break;
          carried.samples += series.buckets.size() + 2;
          for (const Bucket& bucket : series.buckets) carried.exemplars += bucket.exemplar ? 1 : 0;
          break;
        }
        case MetricType::kSummary:
          carried.samples += series.quantiles.size() + 2;
          break;
        case MetricType::kCounter:
          carried.exemplars += series.exemplar ? 1 : 0;
          ++carried.samples;
          break;
        case MetricType::kGauge:
        case MetricType::kUntyped:
        case MetricType::kInfo:
          ++carried.samples;
          break;
      }
    }
  }
  return carried;
}

// The body carries what the input holds, and the counts say what it carries.
void ExpectCarried(const std::vector<Family>& families, int version, const EncodedWrite& write,
                   const DecodedWrite& decoded) {
  const Carried expected = ExpectedCarried(families, version);
  EXPECT_EQ(decoded.Samples(), expected.samples);
  EXPECT_EQ(decoded.Histograms(), expected.histograms);
  EXPECT_EQ(decoded.Exemplars(), expected.exemplars);
  EXPECT_EQ(write.samples, decoded.Samples());
  EXPECT_EQ(write.histograms, decoded.Histograms());
  EXPECT_EQ(write.exemplars, decoded.Exemplars());
}

double ParseBound(const std::string& text) {
  if (text == "+Inf") return kInf;
  std::size_t used = 0;
  const double value = std::stod(text, &used);
  EXPECT_EQ(used, text.size()) << "not a number: " << text;
  return value;
}

// ---------------------------------------------------------------------------
// The decoder itself: it must see what Prometheus sees, or the tests below
// prove nothing.

TEST(RemoteWriteDecoderTest, Prometheus2CarriesRemoteWrite1Only) {
  EXPECT_TRUE(Prometheus2().Knows(kRemoteWriteV1Request));
  EXPECT_TRUE(Prometheus2().Knows("prometheus.MetricMetadata"));
  EXPECT_FALSE(Prometheus2().Knows(kRemoteWriteV2Request));
  try {
    Prometheus2().Decode(kRemoteWriteV2Request, "");
    ADD_FAILURE() << "decoded a message the binary has no schema of";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no schema of io.prometheus.write.v2.Request"),
              std::string::npos)
        << e.what();
  }
}

TEST(RemoteWriteDecoderTest, Prometheus3CarriesBothVersions) {
  if (!HavePrometheus3()) GTEST_SKIP() << SEMSTREAMS_METRIC_NO_PROMETHEUS3_WHY;
  EXPECT_TRUE(Prometheus3().Knows(kRemoteWriteV1Request));
  EXPECT_TRUE(Prometheus3().Knows(kRemoteWriteV2Request));
  EXPECT_TRUE(Prometheus3().Knows("io.prometheus.write.v2.Histogram"));
}

TEST(RemoteWriteDecoderTest, UnreadableBinaryIsAnError) {
  EXPECT_THROW(RemoteWriteDecoder("/nonexistent/prometheus"), std::runtime_error);
}

TEST(RemoteWriteDecoderTest, FieldsTheSchemaLacksAreErrors) {
  // Field 99, varint 1: a number WriteRequest does not have.
  EXPECT_THROW(Prometheus2().Decode(kRemoteWriteV1Request, std::string("\x98\x06\x01", 3)),
               std::runtime_error);
  // Field 1 (timeseries, a message) sent as a varint.
  EXPECT_THROW(Prometheus2().Decode(kRemoteWriteV1Request, std::string("\x08\x01", 2)),
               std::runtime_error);
  // A truncated message.
  EXPECT_THROW(Prometheus2().Decode(kRemoteWriteV1Request, std::string("\x0a\x05\x0a", 3)),
               std::runtime_error);
  EXPECT_EQ(Prometheus2().Decode(kRemoteWriteV1Request, "").at("timeseries").size(), 0u);
}

TEST(RemoteWriteDecoderTest, SnappyRoundTripAndGarbage) {
  const std::string body = EncodeWriteRequestV1(EveryType(), At(kNowMs)).body;
  EXPECT_EQ(testing::SnappyUncompress(testing::SnappyCompress(body)), body);
  EXPECT_THROW(testing::SnappyUncompress("\xff\xff\xff\xff\xff not snappy"), std::runtime_error);
}

// ---------------------------------------------------------------------------
// Remote-Write 1.0 (prometheus.WriteRequest, Prometheus 2.42's schema).

TEST(RemoteWriteV1Test, EmptySnapshotIsAnEmptyRequest) {
  const EncodedWrite write = EncodeWriteRequestV1({}, At(kNowMs));
  const DecodedWrite decoded = DecodeV1(write.body);
  EXPECT_TRUE(decoded.series.empty());
  EXPECT_TRUE(decoded.metadata.empty());
  EXPECT_EQ(write.samples, 0u);
  EXPECT_EQ(write.histograms, 0u);
  EXPECT_EQ(write.exemplars, 0u);
}

TEST(RemoteWriteV1Test, CounterGaugeUntypedAndInfoSeriesAreNamedAsInTheTextFormat) {
  const std::vector<Family> families = EveryType();
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);

  struct Want {
    LabelMap labels;
    double value;
  };
  // Info's one sample is <name>_info, as the text exposition writes it.
  for (const Want& want :
       {Want{With({{"queue", "b"}}, "jobs_total"), 5},
        Want{With({{"queue", "a"}}, "jobs_total"), 7}, Want{With({}, "temperature_celsius"), -1.5},
        Want{With({{"version", "1.2.3"}}, "build_info"), 1}, Want{With({}, "raw_value"), 42}}) {
    const DecodedSeries* series = decoded.Find(want.labels);
    ASSERT_NE(series, nullptr) << "no series " << json(want.labels).dump();
    ASSERT_EQ(series->samples.size(), 1u) << json(want.labels).dump();
    EXPECT_EQ(series->samples[0].value, want.value);
    EXPECT_EQ(series->samples[0].timestamp_ms, kNowMs);
    EXPECT_TRUE(series->histograms.empty());
  }
  EXPECT_TRUE(decoded.Named("build").empty()) << "an info series without its _info suffix";
}

TEST(RemoteWriteV1Test, LabelsAreSortedByteWiseWhateverTheirInputOrder) {
  // Upper-case letters sort before '_', so "Zone" precedes __name__; UTF-8
  // lead bytes (>= 0xC2) sort after ASCII, compared unsigned.
  const std::vector<Family> families = {MakeFamily(
      "requests_total", MetricType::kCounter,
      {Point({{"zone", "z"}, {"ärea", "ä"}, {"Zone", "Z"}, {"b", "1"}, {"_a", "2"}}, 1)})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  ASSERT_EQ(decoded.series.size(), 1u);
  std::vector<std::string> names;
  for (const Label& label : decoded.series[0].labels) names.push_back(label.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zone", "__name__", "_a", "b", "zone", "ärea"}));
  EXPECT_EQ(decoded.series[0].LabelSet(),
            With({{"zone", "z"}, {"ärea", "ä"}, {"Zone", "Z"}, {"b", "1"}, {"_a", "2"}},
                 "requests_total"));
}

TEST(RemoteWriteV1Test, ExternalLabelsAreAddedAndReplaceASeriesOwn) {
  const std::vector<Family> families = {
      MakeFamily("up_total", MetricType::kCounter, {Point({{"job", "own"}, {"zone", "a"}}, 1)}),
      MakeFamily("lat", MetricType::kHistogram, {ClassicHistogramSeries({{"instance", "own:1"}})})};
  const WriteContext context = At(kNowMs, {{"instance", "host:9"}, {"job", "edge"}});
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, context).body);

  EXPECT_NE(
      decoded.Find(With({{"instance", "host:9"}, {"job", "edge"}, {"zone", "a"}}, "up_total")),
      nullptr);
  // Every series of a histogram, not only the first.
  EXPECT_NE(decoded.Find(With({{"instance", "host:9"}, {"job", "edge"}}, "lat_sum")), nullptr);
  EXPECT_NE(decoded.Find(With({{"instance", "host:9"}, {"job", "edge"}}, "lat_count")), nullptr);
  EXPECT_NE(
      decoded.Find(With({{"instance", "host:9"}, {"job", "edge"}, {"le", "+Inf"}}, "lat_bucket")),
      nullptr);
  for (const DecodedSeries& series : decoded.series) {
    const auto labels = series.LabelSet();
    EXPECT_EQ(labels.at("job"), "edge");
    EXPECT_EQ(labels.at("instance"), "host:9");
  }
}

TEST(RemoteWriteV1Test, SeriesOwnTimestampWinsOverTheWriteTime) {
  const std::int64_t own = kNowMs - 60'000;
  Series stamped_gauge = Point({{"k", "own"}}, 1);
  stamped_gauge.timestamp_ms = own;
  Series stamped_summary = SummarySeries({}, 1, 1, {{.quantile = 0.5, .value = 1}});
  stamped_summary.timestamp_ms = own;
  const std::vector<Family> families = {
      MakeFamily("g", MetricType::kGauge, {stamped_gauge, Point({{"k", "none"}}, 2)}),
      MakeFamily("s", MetricType::kSummary, {stamped_summary})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  const DecodedSeries* with_own = decoded.Find(With({{"k", "own"}}, "g"));
  const DecodedSeries* without = decoded.Find(With({{"k", "none"}}, "g"));
  ASSERT_NE(with_own, nullptr);
  ASSERT_NE(without, nullptr);
  EXPECT_EQ(with_own->samples.at(0).timestamp_ms, own);
  EXPECT_EQ(without->samples.at(0).timestamp_ms, kNowMs);
  for (const std::string name : {"s", "s_sum", "s_count"}) {
    ASSERT_FALSE(decoded.Named(name).empty()) << name;
    EXPECT_EQ(decoded.Named(name)[0]->samples.at(0).timestamp_ms, own) << name;
  }
}

TEST(RemoteWriteV1Test, ClassicHistogramIsBucketSumAndCountSeries) {
  Series series = ClassicHistogramSeries({{"path", "/x"}});
  series.buckets[1].exemplar = TraceExemplar("b1", 0.75, 1'699'999'998.25);
  const std::vector<Family> families = {
      MakeFamily("latency_seconds", MetricType::kHistogram, {series})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);

  const auto buckets = decoded.Named("latency_seconds_bucket");
  ASSERT_EQ(buckets.size(), series.buckets.size());
  std::set<std::string> le_seen;
  for (const DecodedSeries* bucket_series : buckets) {
    const LabelMap labels = bucket_series->LabelSet();
    ASSERT_EQ(labels.count("le"), 1u);
    EXPECT_EQ(labels.at("path"), "/x");
    const std::string& le = labels.at("le");
    le_seen.insert(le);
    const double bound = ParseBound(le);
    const auto bucket = std::find_if(series.buckets.begin(), series.buckets.end(),
                                     [bound](const Bucket& b) { return b.upper_bound == bound; });
    ASSERT_NE(bucket, series.buckets.end()) << "le=\"" << le << "\" is no bucket of the input";
    ASSERT_EQ(bucket_series->samples.size(), 1u);
    EXPECT_EQ(bucket_series->samples[0].value, static_cast<double>(bucket->cumulative_count));
    EXPECT_EQ(bucket_series->samples[0].timestamp_ms, kNowMs);
    if (bucket->exemplar) {
      ASSERT_EQ(bucket_series->exemplars.size(), 1u) << "le=" << le;
      EXPECT_EQ(bucket_series->exemplars[0].labels, (LabelMap{{"trace_id", "b1"}}));
      EXPECT_EQ(bucket_series->exemplars[0].value, 0.75);
      EXPECT_EQ(bucket_series->exemplars[0].timestamp_ms, 1'699'999'998'250);
    } else {
      EXPECT_TRUE(bucket_series->exemplars.empty()) << "le=" << le;
    }
  }
  // As Prometheus writes bounds: shortest round trip, +Inf for infinity.
  EXPECT_EQ(le_seen.count("0.5"), 1u);
  EXPECT_EQ(le_seen.count("+Inf"), 1u);

  const DecodedSeries* sum = decoded.Find(With({{"path", "/x"}}, "latency_seconds_sum"));
  const DecodedSeries* count = decoded.Find(With({{"path", "/x"}}, "latency_seconds_count"));
  ASSERT_NE(sum, nullptr);
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(sum->samples.at(0).value, series.sum);
  EXPECT_EQ(count->samples.at(0).value, static_cast<double>(series.count));
  EXPECT_EQ(decoded.series.size(), series.buckets.size() + 2);
}

// Prometheus 3 rewrites every scraped le and quantile value with
// labels.FormatOpenMetricsFloat (Go's shortest %g, plus ".0" where that has
// neither '.' nor 'e'), so only that spelling makes a written series the same
// series as a scraped one. The strings below are that function's output.
TEST(RemoteWriteV1Test, LeAndQuantileValuesAreSpelledAsPrometheus3StoresThem) {
  const std::vector<std::pair<double, std::string>> bounds = {
      {0.0001, "0.0001"}, {0.5, "0.5"},         {1, "1.0"},
      {2.5, "2.5"},       {100000, "100000.0"}, {1048576, "1.048576e+06"},
      {1.5e6, "1.5e+06"}, {kInf, "+Inf"}};
  const std::vector<std::pair<double, std::string>> quantiles = {
      {0, "0.0"}, {0.5, "0.5"}, {0.99, "0.99"}, {1, "1.0"}};
  Series histogram;
  histogram.count = 1;
  for (const auto& [bound, text] : bounds) histogram.buckets.push_back(MakeBucket(bound, 1));
  std::vector<Quantile> qs;
  qs.reserve(quantiles.size());
  for (const auto& [q, text] : quantiles) qs.push_back({.quantile = q, .value = q});
  const std::vector<Family> families = {
      MakeFamily("h", MetricType::kHistogram, {histogram}),
      MakeFamily("s", MetricType::kSummary, {SummarySeries({}, 1, 1, qs)})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);

  std::set<std::string> le, quantile;
  for (const DecodedSeries* series : decoded.Named("h_bucket")) le.insert(series->LabelSet()["le"]);
  for (const DecodedSeries* series : decoded.Named("s")) {
    quantile.insert(series->LabelSet()["quantile"]);
  }
  std::set<std::string> want_le, want_quantile;
  for (const auto& [bound, text] : bounds) want_le.insert(text);
  for (const auto& [q, text] : quantiles) want_quantile.insert(text);
  EXPECT_EQ(le, want_le);
  EXPECT_EQ(quantile, want_quantile);
}

// Both specs forbid empty label values; a scrape drops such labels, so the
// series is the one without it.
TEST(RemoteWriteV1Test, LabelsWithEmptyValuesAreLeftOut) {
  const std::vector<Family> families = {
      MakeFamily("c_total", MetricType::kCounter, {Point({{"a", ""}, {"b", "x"}}, 1)}),
      MakeFamily("h", MetricType::kHistogram, {ClassicHistogramSeries({{"path", ""}})})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  EXPECT_NE(decoded.Find(With({{"b", "x"}}, "c_total")), nullptr);
  EXPECT_NE(decoded.Find(With({}, "h_sum")), nullptr);
  EXPECT_NE(decoded.Find(With({{"le", "+Inf"}}, "h_bucket")), nullptr);
}

// A histogram family "h" with a series {kind="both"} (classic and native
// buckets) and a native-only one {kind="native"}.
std::vector<Family> ClassicAndNativeHistograms() {
  Series both = ClassicHistogramSeries({{"kind", "both"}});
  both.native = SomeNativeBuckets();
  Series native_only = NativeOnlyHistogramSeries();
  native_only.labels = {{"kind", "native"}};
  return {MakeFamily("h", MetricType::kHistogram, {both, native_only})};
}

// The family of ClassicAndNativeHistograms() went as a text scrape gives it:
// every bucket, _sum and _count of both series, and no native sample.
void ExpectOnlyClassicSeries(const std::vector<Family>& families, const EncodedWrite& write,
                             const DecodedWrite& decoded) {
  const Series& both = families[0].series[0];
  const Series& native_only = families[0].series[1];
  EXPECT_EQ(write.histograms, 0u);
  EXPECT_EQ(decoded.Histograms(), 0u);
  EXPECT_TRUE(decoded.Named("h").empty()) << "a native histogram's own series";
  EXPECT_EQ(decoded.series.size(), both.buckets.size() + 2 + native_only.buckets.size() + 2);
  EXPECT_NE(decoded.Find(With({{"kind", "native"}, {"le", "+Inf"}}, "h_bucket")), nullptr);
}

TEST(RemoteWriteV1Test, NativeBucketsAreNotSent) {
  const std::vector<Family> families = ClassicAndNativeHistograms();
  const Series& native_only = families[0].series[1];
  const EncodedWrite write = EncodeWriteRequestV1(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV1(write.body);

  ExpectOnlyClassicSeries(families, write, decoded);
  const DecodedSeries* native_count = decoded.Find(With({{"kind", "native"}}, "h_count"));
  ASSERT_NE(native_count, nullptr);
  EXPECT_EQ(native_count->samples.at(0).value, static_cast<double>(native_only.count));
}

TEST(RemoteWriteV1Test, SummaryIsQuantileSumAndCountSeries) {
  const std::vector<Family> families = EveryType();
  const Family& summary = families[3];
  ASSERT_EQ(summary.type, MetricType::kSummary);
  const Series& series = summary.series[0];
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);

  const auto quantiles = decoded.Named(summary.name);
  ASSERT_EQ(quantiles.size(), series.quantiles.size());
  std::set<std::string> seen;
  for (const DecodedSeries* quantile_series : quantiles) {
    const std::string quantile = quantile_series->LabelSet()["quantile"];
    seen.insert(quantile);
    const double q = ParseBound(quantile);
    const auto it = std::find_if(series.quantiles.begin(), series.quantiles.end(),
                                 [q](const Quantile& x) { return x.quantile == q; });
    ASSERT_NE(it, series.quantiles.end()) << "quantile=\"" << quantile << "\" not in the input";
    EXPECT_EQ(quantile_series->samples.at(0).value, it->value);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"0.5", "0.99"}));
  const DecodedSeries* sum = decoded.Find(With({}, summary.name + "_sum"));
  const DecodedSeries* count = decoded.Find(With({}, summary.name + "_count"));
  ASSERT_NE(sum, nullptr);
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(sum->samples.at(0).value, series.sum);
  EXPECT_EQ(count->samples.at(0).value, static_cast<double>(series.count));
}

TEST(RemoteWriteV1Test, CounterExemplarTravelsWithItsSeries) {
  const std::vector<Family> families = EveryType();
  const Exemplar& input = *families[0].series[0].exemplar;
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  const DecodedSeries* with = decoded.Find(With({{"queue", "b"}}, "jobs_total"));
  const DecodedSeries* without = decoded.Find(With({{"queue", "a"}}, "jobs_total"));
  ASSERT_NE(with, nullptr);
  ASSERT_NE(without, nullptr);
  ASSERT_EQ(with->exemplars.size(), 1u);
  EXPECT_EQ(with->exemplars[0].labels, (LabelMap{{"trace_id", "t1"}}));
  EXPECT_EQ(with->exemplars[0].value, input.value);
  // Exemplar::timestamp is in seconds, the wire's in milliseconds.
  EXPECT_EQ(with->exemplars[0].timestamp_ms, 1'699'999'999'500);
  EXPECT_TRUE(without->exemplars.empty());
  EXPECT_EQ(decoded.Exemplars(), 1u);
}

TEST(RemoteWriteV1Test, OneMetadataPerFamily) {
  const std::vector<Family> families = EveryType();
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  // MetricMetadata.MetricType's names, per the family's type.
  const std::map<MetricType, std::string> type_names = {
      {MetricType::kCounter, "COUNTER"},     {MetricType::kGauge, "GAUGE"},
      {MetricType::kHistogram, "HISTOGRAM"}, {MetricType::kSummary, "SUMMARY"},
      {MetricType::kInfo, "INFO"},           {MetricType::kUntyped, "UNKNOWN"}};
  ASSERT_EQ(decoded.metadata.size(), families.size());
  for (const Family& family : families) {
    const auto it = std::find_if(
        decoded.metadata.begin(), decoded.metadata.end(),
        [&family](const json& m) { return m.at("metric_family_name") == family.name; });
    ASSERT_NE(it, decoded.metadata.end()) << "no metadata for " << family.name;
    EXPECT_EQ(it->at("type"), type_names.at(family.type)) << family.name;
    EXPECT_EQ(it->at("help"), family.help) << family.name;
    EXPECT_EQ(it->at("unit"), family.unit) << family.name;
  }
}

TEST(RemoteWriteV1Test, CountsAreWhatTheBodyCarries) {
  std::vector<Family> families = EveryType();
  Series native = NativeOnlyHistogramSeries();
  native.labels = {{"path", "/native"}};
  families[2].series.push_back(native);
  families[2].series[0].buckets[0].exemplar = TraceExemplar("b", 0.25, 1'699'999'990);
  const EncodedWrite write = EncodeWriteRequestV1(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV1(write.body);
  ExpectCarried(families, 1, write, decoded);
  // One sample per series: a series is one point in time.
  EXPECT_EQ(decoded.series.size(), decoded.Samples());
}

// The writer encodes every write into the same EncodedWrite: nothing of the
// previous, larger, write may remain in the body or the counts.
TEST(RemoteWriteV1Test, EncodingAgainIntoTheSameWriteStartsAfresh) {
  const std::vector<Family> small = {MakeFamily("g", MetricType::kGauge, {Point({}, 1)})};
  EncodedWrite reused;
  detail::EncodeWriteRequestV1(EveryType(), At(kNowMs), reused);
  detail::EncodeWriteRequestV1(small, At(kNowMs + 1), reused);
  const EncodedWrite fresh = EncodeWriteRequestV1(small, At(kNowMs + 1));
  EXPECT_EQ(reused.body, fresh.body);
  EXPECT_EQ(reused.samples, 1u);
  EXPECT_EQ(reused.histograms, 0u);
  EXPECT_EQ(reused.exemplars, 0u);
  EXPECT_EQ(DecodeV1(reused.body).series.size(), 1u);
}

TEST(RemoteWriteV1Test, Utf8NamesPassThroughUnchanged) {
  const std::string name = "http.requests.µs_total";
  const std::vector<Family> families = {
      MakeFamily(name, MetricType::kCounter, {Point({{"rëgion.name", "zürich"}}, 3)}, "Ünïcode.")};
  const EncodedWrite write = EncodeWriteRequestV1(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV1(write.body);
  const DecodedSeries* series = decoded.Find(With({{"rëgion.name", "zürich"}}, name));
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->samples.at(0).value, 3);
  ASSERT_EQ(decoded.metadata.size(), 1u);
  EXPECT_EQ(decoded.metadata[0].at("metric_family_name"), name);
  EXPECT_EQ(decoded.metadata[0].at("help"), "Ünïcode.");
}

TEST(RemoteWriteV1Test, SpecialFloatValuesPassThrough) {
  const std::vector<Family> families = {
      MakeFamily("g", MetricType::kGauge,
                 {Point({{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN()),
                  Point({{"v", "inf"}}, kInf), Point({{"v", "-inf"}}, -kInf)})};
  const DecodedWrite decoded = DecodeV1(EncodeWriteRequestV1(families, At(kNowMs)).body);
  const DecodedSeries* nan = decoded.Find(With({{"v", "nan"}}, "g"));
  const DecodedSeries* inf = decoded.Find(With({{"v", "inf"}}, "g"));
  const DecodedSeries* minus_inf = decoded.Find(With({{"v", "-inf"}}, "g"));
  ASSERT_TRUE(nan != nullptr && inf != nullptr && minus_inf != nullptr);
  EXPECT_TRUE(std::isnan(nan->samples.at(0).value));
  EXPECT_EQ(inf->samples.at(0).value, kInf);
  EXPECT_EQ(minus_inf->samples.at(0).value, -kInf);
}

TEST(RemoteWriteV1Test, Prometheus3ReadsTheSameRequest) {
  if (!HavePrometheus3()) GTEST_SKIP() << SEMSTREAMS_METRIC_NO_PROMETHEUS3_WHY;
  const std::string body = EncodeWriteRequestV1(EveryType(), At(kNowMs)).body;
  EXPECT_EQ(Prometheus3().Decode(kRemoteWriteV1Request, body),
            Prometheus2().Decode(kRemoteWriteV1Request, body));
}

// ---------------------------------------------------------------------------
// Remote-Write 2.0 (io.prometheus.write.v2.Request, Prometheus 3.5.3's schema).

class RemoteWriteV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePrometheus3()) GTEST_SKIP() << SEMSTREAMS_METRIC_NO_PROMETHEUS3_WHY;
  }
};

TEST_F(RemoteWriteV2Test, EmptySnapshotHasOnlyTheEmptySymbol) {
  const EncodedWrite write = EncodeWriteRequestV2({}, At(kNowMs));
  const json request = Prometheus3().Decode(kRemoteWriteV2Request, write.body);
  EXPECT_TRUE(request.at("timeseries").empty());
  // With nothing to refer to, [""] and an empty table are both valid.
  const json& symbols = request.at("symbols");
  EXPECT_TRUE(symbols.empty() || (symbols.size() == 1 && symbols[0].get<std::string>().empty()))
      << symbols.dump();
  EXPECT_EQ(write.samples, 0u);
  EXPECT_EQ(write.histograms, 0u);
  EXPECT_EQ(write.exemplars, 0u);
}

TEST_F(RemoteWriteV2Test, SeriesAreNamedAsInRemoteWrite1) {
  const std::vector<Family> families = EveryType();
  const WriteContext context = At(kNowMs, {{"job", "edge"}});
  const DecodedWrite v1 = DecodeV1(EncodeWriteRequestV1(families, context).body);
  const DecodedWrite v2 = DecodeV2(EncodeWriteRequestV2(families, context).body);
  // Without native buckets both versions carry the same series and samples.
  ASSERT_EQ(v2.series.size(), v1.series.size());
  for (const DecodedSeries& want : v1.series) {
    const DecodedSeries* got = v2.Find(want.LabelSet());
    ASSERT_NE(got, nullptr) << "Remote-Write 2.0 lacks " << json(want.LabelSet()).dump();
    ASSERT_EQ(got->samples.size(), 1u);
    const double value = want.samples.at(0).value;
    EXPECT_TRUE(got->samples[0].value == value ||
                (std::isnan(value) && std::isnan(got->samples[0].value)));
    EXPECT_EQ(got->samples[0].timestamp_ms, want.samples.at(0).timestamp_ms);
    EXPECT_EQ(got->labels, want.labels) << "label order differs";
  }
  // The same derived from the input, not only from the other encoder.
  const DecodedSeries* counter = v2.Find(With({{"queue", "b"}, {"job", "edge"}}, "jobs_total"));
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->samples.at(0).value, 5);
  EXPECT_EQ(counter->samples.at(0).timestamp_ms, kNowMs);
  EXPECT_NE(v2.Find(With({{"version", "1.2.3"}, {"job", "edge"}}, "build_info")), nullptr);
}

TEST_F(RemoteWriteV2Test, LabelsAreSortedByteWiseAndExternalLabelsReplace) {
  const std::vector<Family> families = {
      MakeFamily("requests_total", MetricType::kCounter,
                 {Point({{"zone", "z"}, {"job", "own"}, {"Zone", "Z"}}, 1)})};
  const DecodedWrite decoded =
      DecodeV2(EncodeWriteRequestV2(families, At(kNowMs, {{"job", "edge"}})).body);
  ASSERT_EQ(decoded.series.size(), 1u);
  std::vector<std::string> names;
  for (const Label& label : decoded.series[0].labels) names.push_back(label.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zone", "__name__", "job", "zone"}));
  EXPECT_EQ(decoded.series[0].LabelSet(),
            With({{"zone", "z"}, {"job", "edge"}, {"Zone", "Z"}}, "requests_total"));
}

TEST_F(RemoteWriteV2Test, LabelsWithEmptyValuesAreLeftOut) {
  Series native = NativeOnlyHistogramSeries();
  native.labels = {{"path", ""}};
  const std::vector<Family> families = {
      MakeFamily("c_total", MetricType::kCounter, {Point({{"a", ""}, {"b", "x"}}, 1)}),
      MakeFamily("n", MetricType::kHistogram, {native})};
  const DecodedWrite decoded = DecodeV2(EncodeWriteRequestV2(families, At(kNowMs)).body);
  EXPECT_NE(decoded.Find(With({{"b", "x"}}, "c_total")), nullptr);
  EXPECT_NE(decoded.Find(With({}, "n")), nullptr);
}

TEST_F(RemoteWriteV2Test, EverySeriesCarriesItsFamilysMetadata) {
  const std::vector<Family> families = EveryType();
  const DecodedWrite decoded = DecodeV2(EncodeWriteRequestV2(families, At(kNowMs)).body);
  const std::map<MetricType, std::string> type_names = {
      {MetricType::kCounter, "METRIC_TYPE_COUNTER"},
      {MetricType::kGauge, "METRIC_TYPE_GAUGE"},
      {MetricType::kHistogram, "METRIC_TYPE_HISTOGRAM"},
      {MetricType::kSummary, "METRIC_TYPE_SUMMARY"},
      {MetricType::kInfo, "METRIC_TYPE_INFO"},
      {MetricType::kUntyped, "METRIC_TYPE_UNSPECIFIED"}};
  // Each series' family: the longest family name its own name starts with.
  for (const DecodedSeries& series : decoded.series) {
    const Family* family = nullptr;
    for (const Family& f : families) {
      if (series.Name().rfind(f.name, 0) == 0 &&
          (family == nullptr || f.name.size() > family->name.size())) {
        family = &f;
      }
    }
    ASSERT_NE(family, nullptr) << series.Name();
    EXPECT_EQ(series.type, type_names.at(family->type)) << series.Name();
    EXPECT_EQ(series.help, family->help) << series.Name();
    // unit_ref 0 (the empty symbol) for no unit.
    EXPECT_EQ(series.unit, family->unit) << series.Name();
  }
  EXPECT_EQ(decoded.series.size(), ExpectedCarried(families, 2).samples);
}

TEST_F(RemoteWriteV2Test, CreatedTimestampOnCountersHistogramsAndSummariesOnly) {
  const double created = 1'699'990'000.25;  // exact in binary: .25 s is 250 ms
  const std::int64_t created_ms = 1'699'990'000'250;
  Series histogram = ClassicHistogramSeries({});
  histogram.created = created;
  Series native = NativeOnlyHistogramSeries();
  native.created = created;
  Series counter_created = Point({{"k", "created"}}, 1);
  counter_created.created = created;
  Series summary = SummarySeries({}, 1, 2, {{.quantile = 0.5, .value = 2}});
  summary.created = created;
  Series gauge_created = Point({}, 1);
  gauge_created.created = created;
  const std::vector<Family> families = {
      MakeFamily("c_total", MetricType::kCounter, {counter_created, Point({{"k", "unknown"}}, 1)}),
      MakeFamily("h", MetricType::kHistogram, {histogram}),
      MakeFamily("n", MetricType::kHistogram, {native}),
      MakeFamily("s", MetricType::kSummary, {summary}),
      MakeFamily("g", MetricType::kGauge, {gauge_created})};
  const DecodedWrite decoded = DecodeV2(EncodeWriteRequestV2(families, At(kNowMs)).body);

  const DecodedSeries* counter = decoded.Find(With({{"k", "created"}}, "c_total"));
  const DecodedSeries* unknown = decoded.Find(With({{"k", "unknown"}}, "c_total"));
  ASSERT_NE(counter, nullptr);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(counter->created_ms, created_ms);
  EXPECT_EQ(unknown->created_ms, 0);
  std::size_t checked = 0;
  for (const DecodedSeries& series : decoded.series) {
    const std::string name = series.Name();
    if (name.rfind('h', 0) == 0 || name == "n" || name.rfind('s', 0) == 0) {
      EXPECT_EQ(series.created_ms, created_ms) << name;
      ++checked;
    }
  }
  // h: 3 buckets, _sum, _count; n: its native series; s: 1 quantile, _sum, _count.
  EXPECT_EQ(checked, histogram.buckets.size() + 2 + 1 + 3);
  const DecodedSeries* gauge = decoded.Find(With({}, "g"));
  ASSERT_NE(gauge, nullptr);
  EXPECT_EQ(gauge->created_ms, 0) << "a gauge has no created timestamp";
}

void ExpectHistogramCarries(const json& h, const Series& series, std::int64_t timestamp_ms) {
  const NativeBuckets& native = *series.native;
  EXPECT_EQ(JsonUint(h.at("count_int")), series.count);
  EXPECT_EQ(JsonDouble(h.at("sum")), series.sum);
  EXPECT_EQ(h.at("schema").get<std::int32_t>(), native.schema);
  EXPECT_EQ(JsonDouble(h.at("zero_threshold")), native.zero_threshold);
  EXPECT_EQ(JsonUint(h.at("zero_count_int")), native.zero_count);
  EXPECT_EQ(JsonInt(h.at("timestamp")), timestamp_ms);
  auto spans = [](const json& list) {
    std::vector<std::pair<std::int32_t, std::uint32_t>> out;
    for (const json& span : list) {
      out.emplace_back(span.at("offset").get<std::int32_t>(),
                       span.at("length").get<std::uint32_t>());
    }
    return out;
  };
  auto want_spans = [](const std::vector<NativeSpan>& list) {
    std::vector<std::pair<std::int32_t, std::uint32_t>> out;
    out.reserve(list.size());
    for (const NativeSpan& span : list) out.emplace_back(span.offset, span.length);
    return out;
  };
  auto deltas = [](const json& list) {
    std::vector<std::int64_t> out;
    for (const json& delta : list) out.push_back(JsonInt(delta));
    return out;
  };
  EXPECT_EQ(spans(h.at("positive_spans")), want_spans(native.positive_spans));
  EXPECT_EQ(spans(h.at("negative_spans")), want_spans(native.negative_spans));
  EXPECT_EQ(deltas(h.at("positive_deltas")), native.positive_deltas);
  EXPECT_EQ(deltas(h.at("negative_deltas")), native.negative_deltas);
  // Integer counts: the float variants stay empty.
  EXPECT_FALSE(h.contains("count_float"));
  EXPECT_FALSE(h.contains("zero_count_float"));
  EXPECT_TRUE(h.at("positive_counts").empty());
  EXPECT_TRUE(h.at("negative_counts").empty());
}

TEST_F(RemoteWriteV2Test, NativeHistogramBesideItsClassicSeries) {
  Series series = ClassicHistogramSeries({{"path", "/x"}});
  series.count = 8;  // the native buckets' total, as both views must agree
  series.buckets.back().cumulative_count = 8;
  series.native = SomeNativeBuckets();
  const std::int64_t own_ms = kNowMs - 5'000;
  Series stamped = series;
  stamped.labels = {{"path", "/stamped"}};
  stamped.timestamp_ms = own_ms;
  const std::vector<Family> families = {
      MakeFamily("latency_seconds", MetricType::kHistogram, {series, stamped})};
  const EncodedWrite write = EncodeWriteRequestV2(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV2(write.body);

  for (const auto& [input, ts] :
       {std::pair<const Series*, std::int64_t>{&series, kNowMs}, {&stamped, own_ms}}) {
    const LabelMap labels = {{"path", input->labels.at(0).value}};
    const DecodedSeries* native = decoded.Find(With(labels, "latency_seconds"));
    ASSERT_NE(native, nullptr) << "no native series for " << json(labels).dump();
    EXPECT_TRUE(native->samples.empty());
    ASSERT_EQ(native->histograms.size(), 1u);
    ExpectHistogramCarries(native->histograms[0], *input, ts);
    EXPECT_EQ(native->type, "METRIC_TYPE_HISTOGRAM");
    // The classic series as well.
    const DecodedSeries* count = decoded.Find(With(labels, "latency_seconds_count"));
    ASSERT_NE(count, nullptr);
    EXPECT_EQ(count->samples.at(0).value, static_cast<double>(input->count));
    EXPECT_EQ(count->samples.at(0).timestamp_ms, ts);
    EXPECT_NE(decoded.Find(With(labels, "latency_seconds_sum")), nullptr);
    LabelMap inf_bucket = labels;
    inf_bucket["le"] = "+Inf";
    EXPECT_NE(decoded.Find(With(inf_bucket, "latency_seconds_bucket")), nullptr);
  }
  EXPECT_EQ(decoded.Named("latency_seconds_bucket").size(),
            series.buckets.size() + stamped.buckets.size());
  EXPECT_EQ(write.histograms, 2u);
}

TEST_F(RemoteWriteV2Test, NativeOnlyHistogramIsOneHistogramSeries) {
  const Series series = NativeOnlyHistogramSeries();
  const std::vector<Family> families = {
      MakeFamily("size_bytes", MetricType::kHistogram, {series}, "", "bytes")};
  const EncodedWrite write = EncodeWriteRequestV2(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV2(write.body);
  // Its only classic bucket is the implied +Inf: no classic series, as
  // Prometheus stores a native-only histogram.
  ASSERT_EQ(decoded.series.size(), 1u);
  const DecodedSeries& native = decoded.series[0];
  EXPECT_EQ(native.LabelSet(), With({}, "size_bytes"));
  EXPECT_TRUE(native.samples.empty());
  ASSERT_EQ(native.histograms.size(), 1u);
  ExpectHistogramCarries(native.histograms[0], series, kNowMs);
  EXPECT_EQ(native.unit, "bytes");
  EXPECT_EQ(write.histograms, 1u);
  EXPECT_EQ(write.samples, 0u);
}

TEST_F(RemoteWriteV2Test, WithoutNativeHistogramsTheirClassicSeriesAreSentAsIn1) {
  // For receivers that refuse native histograms: what a text scrape gives.
  const std::vector<Family> families = ClassicAndNativeHistograms();
  WriteContext context = At(kNowMs);
  context.native_histograms = false;
  const EncodedWrite write = EncodeWriteRequestV2(families, context);
  ExpectOnlyClassicSeries(families, write, DecodeV2(write.body));
}

TEST_F(RemoteWriteV2Test, ExemplarsOfCountersAndBucketsWithMillisecondTimestamps) {
  std::vector<Family> families = EveryType();
  Series& histogram = families[2].series[0];
  histogram.buckets[0].exemplar = Exemplar{.labels = {{"trace_id", "b0"}, {"span_id", "s"}},
                                           .value = 0.25,
                                           .timestamp = 1'699'999'997.75};
  const DecodedWrite decoded = DecodeV2(EncodeWriteRequestV2(families, At(kNowMs)).body);

  const DecodedSeries* counter = decoded.Find(With({{"queue", "b"}}, "jobs_total"));
  ASSERT_NE(counter, nullptr);
  ASSERT_EQ(counter->exemplars.size(), 1u);
  EXPECT_EQ(counter->exemplars[0].labels, (LabelMap{{"trace_id", "t1"}}));
  EXPECT_EQ(counter->exemplars[0].value, 2);
  EXPECT_EQ(counter->exemplars[0].timestamp_ms, 1'699'999'999'500);

  const DecodedSeries* bucket =
      decoded.Find(With({{"path", "/x"}, {"le", "0.5"}}, "latency_seconds_bucket"));
  ASSERT_NE(bucket, nullptr);
  ASSERT_EQ(bucket->exemplars.size(), 1u);
  EXPECT_EQ(bucket->exemplars[0].labels, (LabelMap{{"trace_id", "b0"}, {"span_id", "s"}}));
  EXPECT_EQ(bucket->exemplars[0].value, 0.25);
  EXPECT_EQ(bucket->exemplars[0].timestamp_ms, 1'699'999'997'750);
  EXPECT_EQ(decoded.Exemplars(), 2u);
}

TEST_F(RemoteWriteV2Test, NativeOnlyHistogramKeepsItsExemplar) {
  // Where a native-only histogram has no classic series, its exemplar (held
  // on the +Inf bucket) must ride on the native series, not be dropped.
  Series series = NativeOnlyHistogramSeries();
  series.buckets[0].exemplar = TraceExemplar("n1", 3.5, 1'699'999'996.5);
  const std::vector<Family> families = {MakeFamily("n", MetricType::kHistogram, {series})};
  const EncodedWrite write = EncodeWriteRequestV2(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV2(write.body);
  const DecodedSeries* native = decoded.Find(With({}, "n"));
  ASSERT_NE(native, nullptr);
  ASSERT_EQ(native->exemplars.size(), 1u);
  EXPECT_EQ(native->exemplars[0].labels, (LabelMap{{"trace_id", "n1"}}));
  EXPECT_EQ(native->exemplars[0].value, 3.5);
  EXPECT_EQ(native->exemplars[0].timestamp_ms, 1'699'999'996'500);
  EXPECT_EQ(write.exemplars, 1u);
}

TEST_F(RemoteWriteV2Test, CountsAreWhatTheBodyCarries) {
  std::vector<Family> families = EveryType();
  Series both = ClassicHistogramSeries({{"path", "/both"}});
  both.count = 8;
  both.buckets.back().cumulative_count = 8;
  both.native = SomeNativeBuckets();
  Series native = NativeOnlyHistogramSeries();
  native.labels = {{"path", "/native"}};
  families[2].series.push_back(both);
  families[2].series.push_back(native);
  families[2].series[0].buckets[1].exemplar = TraceExemplar("b", 0.75, 1'699'999'990);
  const EncodedWrite write = EncodeWriteRequestV2(families, At(kNowMs));
  const DecodedWrite decoded = DecodeV2(write.body);
  ExpectCarried(families, 2, write, decoded);
}

TEST_F(RemoteWriteV2Test, EncodingAgainIntoTheSameWriteStartsAfresh) {
  std::vector<Family> large = EveryType();
  Series native = NativeOnlyHistogramSeries();
  native.labels = {{"path", "/native"}};
  large[2].series.push_back(native);
  const std::vector<Family> small = {MakeFamily("g", MetricType::kGauge, {Point({}, 1)})};
  EncodedWrite reused;
  detail::EncodeWriteRequestV2(large, At(kNowMs), reused);
  detail::EncodeWriteRequestV2(small, At(kNowMs + 1), reused);
  const EncodedWrite fresh = EncodeWriteRequestV2(small, At(kNowMs + 1));
  EXPECT_EQ(reused.body, fresh.body);
  EXPECT_EQ(reused.samples, 1u);
  EXPECT_EQ(reused.histograms, 0u);
  EXPECT_EQ(reused.exemplars, 0u);
  const DecodedWrite decoded = DecodeV2(reused.body);
  ASSERT_EQ(decoded.series.size(), 1u);
  EXPECT_EQ(decoded.series[0].LabelSet(), With({}, "g"));
}

TEST_F(RemoteWriteV2Test, Utf8NamesPassThroughUnchanged) {
  const std::string name = "http.requests.µs_total";
  const std::vector<Family> families = {
      MakeFamily(name, MetricType::kCounter, {Point({{"rëgion.name", "zürich"}}, 3)}, "Ünïcode.")};
  const DecodedWrite decoded = DecodeV2(EncodeWriteRequestV2(families, At(kNowMs)).body);
  const DecodedSeries* series = decoded.Find(With({{"rëgion.name", "zürich"}}, name));
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->samples.at(0).value, 3);
  EXPECT_EQ(series->help, "Ünïcode.");
}

TEST_F(RemoteWriteV2Test, SymbolsAreSharedAcrossSeries) {
  // Many series repeating the same names and values: each string once.
  Family family = MakeFamily("g", MetricType::kGauge, {});
  for (int i = 0; i < 20; ++i) {
    family.series.push_back(Point({{"shared", "same"}, {"i", std::to_string(i)}}, 1.0 * i));
  }
  const std::vector<Family> families = {family};
  const json request = Prometheus3().Decode(
      kRemoteWriteV2Request, EncodeWriteRequestV2(families, At(kNowMs, {{"job", "j"}})).body);
  std::set<std::string> strings = {"", "__name__", "g", "shared", "same", "i", "job", "j"};
  for (int i = 0; i < 20; ++i) strings.insert(std::to_string(i));
  const auto symbols = request.at("symbols").get<std::vector<std::string>>();
  // Nothing but the strings the request needs (help and unit are empty).
  EXPECT_EQ(std::set<std::string>(symbols.begin(), symbols.end()), strings);
  EXPECT_EQ(symbols.size(), strings.size());
  EXPECT_EQ(DecodeV2(EncodeWriteRequestV2(families, At(kNowMs, {{"job", "j"}})).body).series.size(),
            20u);
}

}  // namespace
}  // namespace semstreams::metric
