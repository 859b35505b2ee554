#include "exposition/negotiation.h"

#include <gtest/gtest.h>

#include "support/scraper_accept.h"

namespace semstreams::metric::detail {
namespace {

using F = ExpositionFormat;

// What Prometheus 2.42 sends, plain and with --enable-feature=native-histograms.
constexpr const char* kPrometheus242 = metric::testing::kPrometheus242Accept;
constexpr const char* kPrometheus242NativeHistograms =
    metric::testing::kPrometheus242NativeHistogramsAccept;

const NegotiationOptions kDefault;
const NegotiationOptions kNoOpenMetrics{false, false};
const NegotiationOptions kWithProtobuf{true, true};

TEST(NegotiationTest, PrometheusScrapeHeaderGetsOpenMetrics1) {
  EXPECT_EQ(Negotiate(kPrometheus242, kDefault), F::kOpenMetrics1_0_0);
}

TEST(NegotiationTest, NativeHistogramHeaderGetsProtobufOnlyWhenOffered) {
  EXPECT_EQ(Negotiate(kPrometheus242NativeHistograms, kWithProtobuf), F::kProtobufDelimited);
  EXPECT_EQ(Negotiate(kPrometheus242NativeHistograms, kDefault), F::kOpenMetrics1_0_0);
  EXPECT_EQ(Negotiate(kPrometheus242NativeHistograms, kNoOpenMetrics), F::kText);
}

TEST(NegotiationTest, NothingOrAnythingElseGetsText) {
  EXPECT_EQ(Negotiate("", kDefault), F::kText);
  EXPECT_EQ(Negotiate("*/*", kDefault), F::kText);
  EXPECT_EQ(Negotiate("application/json", kDefault), F::kText);
  EXPECT_EQ(Negotiate("garbage;;;,,/", kDefault), F::kText);
  EXPECT_EQ(Negotiate("text/plain;version=0.0.5", kDefault), F::kText);
}

TEST(NegotiationTest, OpenMetricsVersionsAreServedAsAsked) {
  EXPECT_EQ(Negotiate("application/openmetrics-text; version=1.0.0", kDefault),
            F::kOpenMetrics1_0_0);
  EXPECT_EQ(Negotiate("application/openmetrics-text;version=0.0.1", kDefault),
            F::kOpenMetrics0_0_1);
  EXPECT_EQ(Negotiate("application/openmetrics-text", kDefault), F::kOpenMetrics0_0_1);
  // An unknown version is not offered: the next clause decides.
  EXPECT_EQ(Negotiate("application/openmetrics-text;version=2.0.0", kDefault), F::kText);
}

TEST(NegotiationTest, QValuesDecideNotOrder) {
  EXPECT_EQ(Negotiate("text/plain;q=0.5,application/openmetrics-text;version=1.0.0", kDefault),
            F::kOpenMetrics1_0_0);
  EXPECT_EQ(
      Negotiate("application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9", kDefault),
      F::kText);
  EXPECT_EQ(Negotiate("*/*;q=1,application/openmetrics-text;version=1.0.0;q=1", kDefault),
            F::kOpenMetrics1_0_0);
}

TEST(NegotiationTest, QZeroIsARefusal) {
  EXPECT_EQ(Negotiate("application/openmetrics-text;version=1.0.0;q=0", kDefault), F::kText);
}

TEST(NegotiationTest, OpenMetricsCanBeTurnedOff) {
  EXPECT_EQ(Negotiate(kPrometheus242, kNoOpenMetrics), F::kText);
}

TEST(NegotiationTest, ProtobufNeedsTheDelimitedEncodingAndProtocol) {
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                      "encoding=text",
                      kWithProtobuf),
            F::kText);
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf;encoding=delimited", kWithProtobuf),
            F::kText);
}

TEST(NegotiationTest, ContentTypes) {
  EXPECT_STREQ(ContentType(F::kText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_STREQ(ContentType(F::kOpenMetrics1_0_0),
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_STREQ(ContentType(F::kOpenMetrics0_0_1),
               "application/openmetrics-text; version=0.0.1; charset=utf-8");
  EXPECT_STREQ(ContentType(F::kProtobufDelimited),
               "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
               "encoding=delimited");
}

}  // namespace
}  // namespace semstreams::metric::detail
