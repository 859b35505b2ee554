#include "exposition/negotiation.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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

// Every Accept header Prometheus 2.42 and 3.5.3 sent to a listener in
// their scrape-protocol orders (3.x's scrape_protocols; 2.42 has two), and
// the Content-Type client_golang 1.23.2 (prometheus/common 0.66.1,
// expfmt.NegotiateIncludingOpenMetrics) answers each with: the first clause,
// by falling q, that names an offered format wins; the escaping is the last
// `escaping=` among the clauses up to it, "underscores" when there is none.
// Text 1.0.0 is not offered (nor by client_golang): a clause asking only for
// it falls through, keeping its escaping.
struct ScraperCase {
  const char* scraper;
  const char* accept;
  const char* content_type;
};

constexpr const char* kOm1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
constexpr const char* kOm0 = "application/openmetrics-text; version=0.0.1; charset=utf-8";
constexpr const char* kTxt = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kPb =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

std::string With(const char* format, const char* escaping) {
  return std::string(format) + "; escaping=" + escaping;
}

TEST(NegotiationTest, EveryPrometheusAcceptGetsWhatClientGolangServes) {
  const std::vector<std::pair<ScraperCase, std::string>> cases = {
      {{"2.42", metric::testing::kPrometheus242Accept, ""}, With(kOm1, "underscores")},
      {{"2.42 native histograms", metric::testing::kPrometheus242NativeHistogramsAccept, ""},
       With(kPb, "underscores")},
      {{"3.5.3", metric::testing::kPrometheus353Accept, ""}, With(kOm1, "allow-utf-8")},
      {{"3.5.3 native histograms / created timestamps",
        "application/"
        "vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;"
        "q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
        "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-"
        "utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
        ""},
       With(kPb, "underscores")},
      {{"3.5.3 metric_name_validation_scheme: legacy",
        "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/"
        "openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,"
        "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        ""},
       With(kOm1, "underscores")},
      {{"3.5.3 metric_name_escaping_scheme: dots",
        "application/openmetrics-text;version=1.0.0;escaping=dots;q=0.6,application/"
        "openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=dots;q=0.4,text/"
        "plain;version=0.0.4;q=0.3,*/*;q=0.2",
        ""},
       With(kOm1, "dots")},
      {{"3.5.3 [PrometheusText1.0.0, PrometheusProto, OpenMetricsText1.0.0]",
        "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,application/vnd.google.protobuf;proto="
        "io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,application/openmetrics-text;"
        "version=1.0.0;escaping=allow-utf-8;q=0.4,*/*;q=0.3",
        ""},
       With(kPb, "allow-utf-8")},
      {{"3.5.3 [PrometheusText1.0.0]",
        "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,*/*;q=0.5", ""},
       With(kTxt, "allow-utf-8")},
      {{"3.5.3 [PrometheusText0.0.4, OpenMetricsText1.0.0]",
        "text/plain;version=0.0.4;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-"
        "utf-8;q=0.5,*/*;q=0.4",
        ""},
       With(kTxt, "underscores")},
      {{"3.5.3 [OpenMetricsText0.0.1]",
        "application/openmetrics-text;version=0.0.1;q=0.6,*/*;q=0.5", ""},
       With(kOm0, "underscores")},
      {{"none", "", ""}, With(kTxt, "underscores")},
  };
  for (const auto& [c, want] : cases) {
    const Negotiated got = NegotiateWithEscaping(c.accept, kWithProtobuf);
    EXPECT_EQ(ContentType(got.format, got.escaping), want) << c.scraper << ": " << c.accept;
  }
}

TEST(NegotiationTest, UnknownEscapingIsIgnored) {
  const Negotiated got = NegotiateWithEscaping(
      "application/openmetrics-text;version=1.0.0;escaping=bogus", kWithProtobuf);
  EXPECT_EQ(got.format, F::kOpenMetrics1_0_0);
  EXPECT_EQ(got.escaping, NameEscaping::kUnderscores);
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
