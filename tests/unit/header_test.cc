// Built as strict C++17 together with one generated file per public header
// (see tests/CMakeLists.txt): the build proves each header stands alone; this
// test proves the umbrella header is usable from C++17 code.
#include <gtest/gtest.h>

#include "semstreams/metric.h"

static_assert(__cplusplus == 201703L, "header_test must be compiled as C++17");

namespace semstreams::metric {
namespace {

TEST(HeaderTest, UmbrellaHeaderIsUsableFromCpp17) {
  auto registry = NewMetricsRegistry();
  CounterOpts opts;
  opts.name = "cpp17_total";
  opts.help = "Compiled as C++17";
  const CounterVec vec = NewCounterVec(opts, {"k"});
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "m", vec).ok());
  vec.WithLabelValues("v").Inc();
  registry->CoreMetrics().RecordNATSRTT(std::chrono::milliseconds(3));
  EXPECT_EQ(vec.WithLabelValues("v").Value(), 1.0);
  EXPECT_EQ(registry->CoreMetrics().NATSRTT.Value(), 3.0);
}

}  // namespace
}  // namespace semstreams::metric
