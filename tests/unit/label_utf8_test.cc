// Label values that print the same are one series, in every format.
#include <gtest/gtest.h>

#include <string>

#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric {
namespace {

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(LabelUtf8Test, ValuesThatPrintTheSameAreOneChild) {
  auto registry = NewMetricsRegistry();
  auto vec = NewCounterVec({"", "", "bytes_total", "help", {}}, {"v"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "bytes", vec).ok());
  vec.WithLabelValues("\xff").Inc();
  vec.WithLabelValues("\xfe").Inc();
  vec.WithLabelValues("\xef\xbf\xbd").Inc();
  vec.WithLabelValues("\xff").Add(2);  // the cache path, again and again
  vec.WithLabelValues("\xff").Add(2);
  EXPECT_EQ(vec.Size(), 1u);
  EXPECT_EQ(vec.WithLabelValues("\xef\xbf\xbd").Value(), 7);
  const std::string text = TextExposition(registry->Gather());
  EXPECT_EQ(Count(text, "bytes_total{"), 1u) << text;
  EXPECT_NE(text.find("bytes_total{v=\"\xef\xbf\xbd\"} 7\n"), std::string::npos) << text;
  const std::string om = OpenMetricsExposition(*registry);
  EXPECT_EQ(Count(om, "bytes_total{"), 1u) << om;
}

TEST(LabelUtf8Test, EachInvalidByteIsOneReplacementCharacter) {
  auto vec = NewGaugeVec({"", "", "g", "help", {}}, {"a", "b"});
  vec.WithLabelValues("x\xff\xfey", "ok").Set(1);
  vec.WithLabelValues("x\xef\xbf\xbd\xef\xbf\xbdy", "ok").Set(2);
  vec.WithLabelValues("x\xef\xbf\xbdy", "ok").Set(3);  // prints differently: its own child
  EXPECT_EQ(vec.Size(), 2u);
  EXPECT_EQ(vec.WithLabelValues("x\xfe\xfey", "ok").Value(), 2);
}

TEST(LabelUtf8Test, DeleteFindsTheChildByItsPrintedValue) {
  auto vec = NewGaugeVec({"", "", "g", "help", {}}, {"a"});
  vec.WithLabelValues("\xef\xbf\xbd").Set(1);
  EXPECT_TRUE(vec.DeleteLabelValues("\xc0"));
  EXPECT_EQ(vec.Size(), 0u);
}

TEST(LabelUtf8Test, ValidValuesStayApart) {
  auto vec = NewGaugeVec({"", "", "g", "help", {}}, {"a"});
  vec.WithLabelValues("caf\xc3\xa9").Set(1);
  vec.WithLabelValues("cafe").Set(2);
  EXPECT_EQ(vec.Size(), 2u);
}

}  // namespace
}  // namespace semstreams::metric
