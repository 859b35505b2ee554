// UTF-8 names: escaped by each scheme of Prometheus's `escaping` parameter
// (prometheus/common's EscapeName), and quoted for scrapers that allow them.
#include "exposition/name_escaping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "detail/snapshot_access.h"
#include "semstreams/metric.h"
#include "support/scraper_accept.h"

namespace semstreams::metric {
namespace {

using detail::EscapeName;
using detail::NameEscaping;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(NameEscapingTest, EachSchemeAsPrometheusCommonEscapes) {
  EXPECT_EQ(EscapeName("svc.requests.served_total", NameEscaping::kUnderscores),
            "svc_requests_served_total");
  EXPECT_EQ(EscapeName("svc.requests.served_total", NameEscaping::kDots),
            "svc_dot_requests_dot_served__total");
  EXPECT_EQ(EscapeName("svc.requests.served_total", NameEscaping::kValues),
            "U__svc_2e_requests_2e_served__total");
  EXPECT_EQ(EscapeName("svc.requests.served_total", NameEscaping::kAllowUtf8),
            "svc.requests.served_total");
  // A leading digit is not a legacy first character; one replacement per
  // code point, not per byte.
  EXPECT_EQ(EscapeName("1ü-x", NameEscaping::kUnderscores), "___x");
  EXPECT_EQ(EscapeName("1ü-x", NameEscaping::kValues), "U___31__fc__2d_x");
  EXPECT_EQ(EscapeName("1ü-x", NameEscaping::kDots), "______x");
  // Legacy names need nothing, except that dots doubles underscores.
  EXPECT_EQ(EscapeName("http_requests_total", NameEscaping::kUnderscores), "http_requests_total");
  EXPECT_EQ(EscapeName("http_requests_total", NameEscaping::kValues), "http_requests_total");
  EXPECT_EQ(EscapeName("a_b", NameEscaping::kDots), "a__b");
  EXPECT_EQ(EscapeName("", NameEscaping::kValues), "");
}

TEST(NameEscapingTest, LegacyNamesAreLeftAloneWhateverTheScheme) {
  std::vector<Family> families(1);
  families[0].name = "http_requests_total";
  families[0].series.emplace_back().labels = {{"status_code", "200"}, {"http.method", "GET"}};
  detail::EscapeNames(families, NameEscaping::kDots);
  EXPECT_EQ(families[0].name, "http_requests_total");
  EXPECT_EQ(families[0].series[0].labels[0].name, "status_code");
  EXPECT_EQ(families[0].series[0].labels[1].name, "http_dot_method");
}

// A registry whose names are all legacy tells the writers so, and they then
// look at no name; one UTF-8 name anywhere turns the look on.
TEST(NameEscapingTest, RegistriesKnowWhetherAnyNameNeedsALook) {
  auto registry = NewMetricsRegistry();
  bool utf8_names = true;
  detail::SnapshotAccess::Take(*registry, &utf8_names);
  EXPECT_FALSE(utf8_names) << "the core, library and process families are all legacy";
  const Counter legacy = NewCounter({.name = "plain_total", .help = "h"});
  legacy.Inc();
  ASSERT_TRUE(registry->RegisterCounter("svc", "plain", legacy).ok());
  detail::SnapshotAccess::Take(*registry, &utf8_names);
  EXPECT_FALSE(utf8_names);
  const Counter dotted = NewCounter({.name = "svc.dotted_total", .help = "h"});
  dotted.Inc();
  ASSERT_TRUE(registry->RegisterCounter("svc", "dotted", dotted).ok());
  detail::SnapshotAccess::Take(*registry, &utf8_names);
  EXPECT_TRUE(utf8_names);
}

// The scrape a registry with a UTF-8 counter gives each kind of scraper.
class Utf8ScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const CounterVec served =
        NewCounterVec({.name = "svc.requests.served", .help = "Requests served."}, {"http.method"});
    served.WithLabelValues("GET").Add(3);
    ASSERT_TRUE(registry_->RegisterCounterVec("svc", "served", served).ok());
  }
  ScrapeResponse Scrape(const char* accept) const {
    ScrapeRequest request;
    request.accept = accept;
    return ScrapeHandler(registry_).Serve(request);
  }
  std::shared_ptr<MetricsRegistry> registry_ = NewMetricsRegistry();
};

TEST_F(Utf8ScrapeTest, Prometheus3GetsQuotedNames) {
  const ScrapeResponse response = Scrape(testing::kPrometheus353Accept);
  EXPECT_EQ(response.headers.at(0).second,
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8");
  EXPECT_THAT(response.body, HasSubstr("# TYPE \"svc.requests.served\" counter\n"));
  EXPECT_THAT(response.body,
              HasSubstr("{\"svc.requests.served_total\",\"http.method\"=\"GET\"} 3\n"));
  // Legacy names stay unquoted beside them.
  EXPECT_THAT(response.body, HasSubstr("\nsemstreams_nats_connected 0\n"));
}

TEST_F(Utf8ScrapeTest, LegacyScrapersGetEscapedNames) {
  const ScrapeResponse om = Scrape(testing::kPrometheus242Accept);
  EXPECT_THAT(om.body, HasSubstr("# TYPE svc_requests_served counter\n"));
  EXPECT_THAT(om.body, HasSubstr("svc_requests_served_total{http_method=\"GET\"} 3\n"));
  EXPECT_THAT(om.body, Not(HasSubstr("\"svc.")));
  // Text 0.0.4 writes a counter's name as registered, _total or not.
  const ScrapeResponse text = Scrape("");
  EXPECT_THAT(text.body, HasSubstr("svc_requests_served{http_method=\"GET\"} 3\n"));
  const ScrapeResponse dots = Scrape("text/plain;version=0.0.4;escaping=dots");
  EXPECT_THAT(dots.body, HasSubstr("svc_dot_requests_dot_served{http_dot_method=\"GET\"} 3\n"));
  // Gather() keeps the names as registered.
  bool found = false;
  for (const auto& family : registry_->Gather())
    found = found || family.name == "svc.requests.served";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace semstreams::metric
