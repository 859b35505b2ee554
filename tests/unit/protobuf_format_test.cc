// The protobuf exposition, decoded by the real libprotobuf with client_model's
// metrics.proto (compiled by protoc for this test only).
#include "exposition/protobuf_format.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "detail/snapshot_access.h"
#include "io/prometheus/client/metrics.pb.h"
#include "semstreams/metric.h"

namespace semstreams::metric {
namespace {

namespace pb = io::prometheus::client;

std::map<std::string, pb::MetricFamily> Decode(const std::string& bytes) {
  google::protobuf::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  std::map<std::string, pb::MetricFamily> families;
  for (int i = 0; i < 10000; ++i) {
    pb::MetricFamily family;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&family, &input, &clean_eof)) {
      EXPECT_TRUE(clean_eof) << "a message did not parse";
      break;
    }
    EXPECT_TRUE(families.emplace(family.name(), family).second) << family.name();
  }
  return families;
}

std::map<std::string, pb::MetricFamily> Expose(const MetricsRegistry& registry) {
  std::string bytes;
  detail::AppendProtobuf(detail::SnapshotAccess::Take(registry), bytes);
  return Decode(bytes);
}

TEST(ProtobufFormatTest, CountersGaugesAndLabelsDecode) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter({.name = "jobs_total", .help = "Jobs."});
  counter.Add(3);
  counter.AddWithExemplar(2, {{"trace_id", "abc"}});
  const GaugeVec gauges = NewGaugeVec({.name = "temp", .help = "Temperature."}, {"room"});
  gauges.WithLabelValues("kitchen").Set(-1.5);
  gauges.WithLabelValues("hall").Set(21);
  ASSERT_TRUE(registry->RegisterCounter("svc", "jobs", counter).ok());
  ASSERT_TRUE(registry->RegisterGaugeVec("svc", "temp", gauges).ok());

  const auto families = Expose(*registry);
  const pb::MetricFamily& jobs = families.at("jobs_total");
  EXPECT_EQ(jobs.help(), "Jobs.");
  EXPECT_EQ(jobs.type(), pb::COUNTER);
  ASSERT_EQ(jobs.metric_size(), 1);
  EXPECT_EQ(jobs.metric(0).counter().value(), 5);
  const pb::Exemplar& exemplar = jobs.metric(0).counter().exemplar();
  ASSERT_EQ(exemplar.label_size(), 1);
  EXPECT_EQ(exemplar.label(0).name(), "trace_id");
  EXPECT_EQ(exemplar.label(0).value(), "abc");
  EXPECT_EQ(exemplar.value(), 2);
  EXPECT_GT(exemplar.timestamp().seconds(), 1'600'000'000);

  const pb::MetricFamily& temp = families.at("temp");
  EXPECT_EQ(temp.type(), pb::GAUGE);
  ASSERT_EQ(temp.metric_size(), 2);
  EXPECT_EQ(temp.metric(0).label(0).name(), "room");
  EXPECT_EQ(temp.metric(0).label(0).value(), "hall");
  EXPECT_EQ(temp.metric(0).gauge().value(), 21);
  EXPECT_EQ(temp.metric(1).label(0).value(), "kitchen");
  EXPECT_EQ(temp.metric(1).gauge().value(), -1.5);
  // Core families and the process collector come along, as in text.
  ASSERT_EQ(families.count("semstreams_nats_connected"), 1u);
  EXPECT_EQ(families.at("semstreams_nats_connected").type(), pb::GAUGE);
  ASSERT_EQ(families.count("process_open_fds"), 1u);
  EXPECT_EQ(families.at("process_open_fds").type(), pb::GAUGE);
}

TEST(ProtobufFormatTest, ClassicAndNativeHistogramTogether) {
  auto registry = NewMetricsRegistry();
  // Factor 2 is schema 0: bucket k holds (2^(k-1), 2^k].
  const Histogram histogram = NewHistogram(
      {.name = "latency", .help = "L.", .buckets = {1, 5}, .native_histogram_bucket_factor = 2});
  for (double v : {1.0, 2.0, 2.0, 4.0, -1.0, 0.0}) histogram.Observe(v);
  histogram.ObserveWithExemplar(0.75, {{"trace_id", "t1"}});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "latency", histogram).ok());

  const auto families = Expose(*registry);
  const pb::MetricFamily& family = families.at("latency");
  EXPECT_EQ(family.type(), pb::HISTOGRAM);
  ASSERT_EQ(family.metric_size(), 1);
  const pb::Histogram& h = family.metric(0).histogram();
  EXPECT_EQ(h.sample_count(), 7u);
  EXPECT_EQ(h.sample_sum(), 8.75);
  // Classic: +Inf is implied, as client_golang writes it.
  ASSERT_EQ(h.bucket_size(), 2);
  EXPECT_EQ(h.bucket(0).upper_bound(), 1);
  EXPECT_EQ(h.bucket(0).cumulative_count(), 4u);
  EXPECT_EQ(h.bucket(0).exemplar().label(0).value(), "t1");
  EXPECT_EQ(h.bucket(0).exemplar().value(), 0.75);
  EXPECT_EQ(h.bucket(1).upper_bound(), 5);
  EXPECT_EQ(h.bucket(1).cumulative_count(), 7u);
  EXPECT_FALSE(h.bucket(1).has_exemplar());
  // Native.
  EXPECT_EQ(h.schema(), 0);
  EXPECT_EQ(h.zero_threshold(), kDefNativeHistogramZeroThreshold);
  EXPECT_EQ(h.zero_count(), 1u);
  ASSERT_EQ(h.negative_span_size(), 1);
  EXPECT_EQ(h.negative_span(0).offset(), 0);
  EXPECT_EQ(h.negative_span(0).length(), 1u);
  ASSERT_EQ(h.negative_delta_size(), 1);
  EXPECT_EQ(h.negative_delta(0), 1);
  // 0.75 -> key 0 with 1.0; 2, 2 -> key 1; 4 -> key 2.
  ASSERT_EQ(h.positive_span_size(), 1);
  EXPECT_EQ(h.positive_span(0).offset(), 0);
  EXPECT_EQ(h.positive_span(0).length(), 3u);
  ASSERT_EQ(h.positive_delta_size(), 3);
  EXPECT_EQ(h.positive_delta(0), 2);
  EXPECT_EQ(h.positive_delta(1), 0);
  EXPECT_EQ(h.positive_delta(2), -1);
}

TEST(ProtobufFormatTest, NativeOnlyHistogramHasNoClassicBuckets) {
  auto registry = NewMetricsRegistry();
  const HistogramVec vec =
      NewHistogramVec({.name = "size_bytes",
                       .help = "S.",
                       .buckets = {},
                       .native_histogram_bucket_factor = 1.1,
                       .native_histogram_zero_threshold = kNativeHistogramZeroThresholdZero},
                      {"route"});
  vec.WithLabelValues("/a").Observe(1000);
  vec.WithLabelValues("/a").Observe(-3e-9);
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "size", vec).ok());

  const auto families = Expose(*registry);
  const pb::MetricFamily& family = families.at("size_bytes");
  const pb::Histogram& h = family.metric(0).histogram();
  EXPECT_EQ(family.metric(0).label(0).value(), "/a");
  EXPECT_EQ(h.bucket_size(), 0);
  EXPECT_EQ(h.sample_count(), 2u);
  EXPECT_EQ(h.schema(), 3);
  EXPECT_TRUE(h.has_zero_threshold());
  EXPECT_EQ(h.zero_threshold(), 0);
  EXPECT_EQ(h.positive_span_size(), 1);
  EXPECT_EQ(h.negative_span_size(), 1);
  EXPECT_LT(h.negative_span(0).offset(), -200);  // 3e-9 is about 2^-28
}

// Fields newer than the metrics.proto Debian ships (client_model 0.3.0):
// created_timestamp (Counter 3, Summary 4, Histogram 15), Histogram.exemplars
// (16), MetricFamily.unit (5). libprotobuf keeps them as unknown fields.
const google::protobuf::UnknownField* Unknown(const google::protobuf::Message& message, int number,
                                              int nth = 0) {
  const auto& fields = message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == number && nth-- == 0) return &fields.field(i);
  }
  return nullptr;
}

double CreatedSeconds(const google::protobuf::Message& message, int number) {
  const google::protobuf::UnknownField* field = Unknown(message, number);
  if (field == nullptr) return 0;
  google::protobuf::Timestamp timestamp;
  EXPECT_TRUE(timestamp.ParseFromString(field->length_delimited()));
  return static_cast<double>(timestamp.seconds()) + timestamp.nanos() / 1e9;
}

TEST(ProtobufFormatTest, CountersAndHistogramsCarryTheirCreationTime) {
  const double before = static_cast<double>(std::time(nullptr)) - 1;
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter({.name = "made_total", .help = "M."});
  const HistogramVec histograms = NewHistogramVec({.name = "took_seconds", .help = "T."}, {"op"});
  counter.Inc();
  histograms.WithLabelValues("get").Observe(0.1);
  ASSERT_TRUE(registry->RegisterCounter("svc", "made", counter).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "took", histograms).ok());
  const double after = static_cast<double>(std::time(nullptr)) + 1;

  const auto families = Expose(*registry);
  const double counter_created = CreatedSeconds(families.at("made_total").metric(0).counter(), 3);
  EXPECT_GE(counter_created, before);
  EXPECT_LE(counter_created, after);
  const double histogram_created =
      CreatedSeconds(families.at("took_seconds").metric(0).histogram(), 15);
  EXPECT_GE(histogram_created, before);
  EXPECT_LE(histogram_created, after);
  // Gauges have none; the value still decodes as before.
  EXPECT_EQ(Unknown(families.at("semstreams_nats_connected").metric(0).gauge(), 3), nullptr);
  EXPECT_EQ(families.at("made_total").metric(0).counter().value(), 1);
}

TEST(ProtobufFormatTest, FamiliesCarryTheirUnit) {
  auto registry = NewMetricsRegistry();
  const Counter read = NewCounter({.name = "read_bytes_total", .help = "R.", .unit = "bytes"});
  read.Inc();
  ASSERT_TRUE(registry->RegisterCounter("svc", "read", read).ok());
  const auto families = Expose(*registry);
  const google::protobuf::UnknownField* unit = Unknown(families.at("read_bytes_total"), 5);
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(unit->length_delimited(), "bytes");
}

TEST(ProtobufFormatTest, EmptyNativeHistogramWithZeroThresholdZeroGetsANoOpSpan) {
  auto registry = NewMetricsRegistry();
  const Histogram empty =
      NewHistogram({.name = "empty_seconds",
                    .help = "E.",
                    .buckets = {},
                    .native_histogram_bucket_factor = 1.1,
                    .native_histogram_zero_threshold = kNativeHistogramZeroThresholdZero});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "empty", empty).ok());
  const auto families = Expose(*registry);
  const pb::Histogram& h = families.at("empty_seconds").metric(0).histogram();
  EXPECT_EQ(h.zero_threshold(), 0);
  ASSERT_EQ(h.positive_span_size(), 1);
  EXPECT_EQ(h.positive_span(0).offset(), 0);
  EXPECT_EQ(h.positive_span(0).length(), 0u);
  EXPECT_EQ(h.positive_delta_size(), 0);
  EXPECT_EQ(h.bucket_size(), 0);
}

TEST(ProtobufFormatTest, NativeHistogramExemplarsGoInTheirOwnField) {
  auto registry = NewMetricsRegistry();
  const Histogram native_only = NewHistogram(
      {.name = "rpc_seconds", .help = "R.", .buckets = {}, .native_histogram_bucket_factor = 1.1});
  native_only.ObserveWithExemplar(0.25, {{"trace_id", "abc123"}});
  ASSERT_TRUE(registry->RegisterHistogram("svc", "rpc", native_only).ok());
  const auto families = Expose(*registry);
  const pb::Histogram& h = families.at("rpc_seconds").metric(0).histogram();
  EXPECT_EQ(h.bucket_size(), 0) << "a bucket would make it look classic";
  const google::protobuf::UnknownField* field = Unknown(h, 16);
  ASSERT_NE(field, nullptr);
  pb::Exemplar exemplar;
  ASSERT_TRUE(exemplar.ParseFromString(field->length_delimited()));
  EXPECT_EQ(exemplar.value(), 0.25);
  ASSERT_EQ(exemplar.label_size(), 1);
  EXPECT_EQ(exemplar.label(0).value(), "abc123");
  EXPECT_TRUE(exemplar.has_timestamp());
  EXPECT_EQ(Unknown(h, 16, 1), nullptr);
}

TEST(ProtobufFormatTest, ClassicOnlyHistogramHasNoNativeFields) {
  auto registry = NewMetricsRegistry();
  const Histogram histogram = NewHistogram({.name = "plain", .help = "P."});
  histogram.Observe(0.2);
  ASSERT_TRUE(registry->RegisterHistogram("svc", "plain", histogram).ok());
  const auto families = Expose(*registry);
  const pb::Histogram& h = families.at("plain").metric(0).histogram();
  EXPECT_EQ(h.bucket_size(), 11);
  EXPECT_FALSE(h.has_schema());
  EXPECT_FALSE(h.has_zero_threshold());
  EXPECT_EQ(h.sample_count(), 1u);
}

TEST(ProtobufFormatTest, CoreProcessingDurationGetsNativeBucketsOnlyWhenAsked) {
  auto plain = NewMetricsRegistry();
  auto native = NewMetricsRegistry(
      RegistryOptions{.core = {.processing_duration_native_bucket_factor = 1.1}});
  for (auto* registry : {plain.get(), native.get()}) {
    registry->CoreMetrics().RecordProcessingDuration("svc", "op", std::chrono::milliseconds(42));
  }
  const auto plain_families = Expose(*plain);
  const auto native_families = Expose(*native);
  const pb::Histogram& classic =
      plain_families.at("semstreams_processing_duration_seconds").metric(0).histogram();
  const pb::Histogram& both =
      native_families.at("semstreams_processing_duration_seconds").metric(0).histogram();
  EXPECT_FALSE(classic.has_schema());
  EXPECT_EQ(classic.bucket_size(), 11);  // DefBuckets, +Inf implied
  EXPECT_EQ(both.bucket_size(), 11);     // the classic buckets stay
  EXPECT_EQ(both.schema(), 3);
  ASSERT_EQ(both.positive_span_size(), 1);
  EXPECT_EQ(both.positive_delta(0), 1);
  // With the option off, the text output is exactly what it was.
  EXPECT_EQ(plain->Gather().size(), native->Gather().size());
}

}  // namespace
}  // namespace semstreams::metric
