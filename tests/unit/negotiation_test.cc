#include "exposition/negotiation.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
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

// Every ordered choice of Prometheus 3's scrape protocols (325 of them), with
// the Accept header 3.5.3 builds for it: the i-th protocol at q=0.6-0.1i,
// then */* (the shape of every header captured above). What client_golang
// 1.23 serves follows from its rules applied to that shape: the first
// protocol it offers (text 1.0.0 is not) picks the format, and the escaping
// is allow-utf-8 when it or a protocol before it asked for that.
TEST(NegotiationTest, EveryScrapeProtocolOrderOfPrometheus3) {
  struct Protocol {
    const char* clause;
    const char* served;  // null: not offered
    bool allow_utf8;
  };
  const std::vector<Protocol> protocols = {
      {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
       kPb, false},
      {"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8", kOm1, true},
      {"application/openmetrics-text;version=0.0.1", kOm0, false},
      {"text/plain;version=1.0.0;escaping=allow-utf-8", nullptr, true},
      {"text/plain;version=0.0.4", kTxt, false},
  };
  int orders = 0;
  std::vector<int> order;
  std::vector<bool> used(protocols.size());
  const std::function<void()> each = [&] {
    if (!order.empty()) {
      std::string accept;
      const char* served = nullptr;
      bool allow_utf8 = false;
      for (std::size_t i = 0; i < order.size(); ++i) {
        const Protocol& p = protocols[static_cast<std::size_t>(order[i])];
        char q[8];
        std::snprintf(q, sizeof q, "%.1f", 0.6 - 0.1 * static_cast<double>(i));
        accept += std::string(p.clause) + ";q=" + q + ",";
        if (served == nullptr) {
          allow_utf8 = allow_utf8 || p.allow_utf8;
          served = p.served;
        }
      }
      char q[8];
      std::snprintf(q, sizeof q, "%.1f", 0.6 - 0.1 * static_cast<double>(order.size()));
      accept += std::string("*/*;q=") + q;
      const std::string want =
          With(served != nullptr ? served : kTxt, allow_utf8 ? "allow-utf-8" : "underscores");
      const Negotiated got = NegotiateWithEscaping(accept, kWithProtobuf);
      EXPECT_EQ(ContentType(got.format, got.escaping), want) << accept;
      ++orders;
    }
    for (std::size_t i = 0; i < protocols.size(); ++i) {
      if (used[i]) continue;
      used[i] = true;
      order.push_back(static_cast<int>(i));
      each();
      order.pop_back();
      used[i] = false;
    }
  };
  each();
  EXPECT_EQ(orders, 325);
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
