// A service already serving prometheus-cpp's own Exposer (civetweb) can hand
// it a MetricsRegistry: the registry is a prometheus::Collectable. The
// library itself links only prometheus-cpp's core; this test links the pull
// library where the prometheus-cpp found has one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/exposer.h>

#include <memory>
#include <string>

#include "semstreams/metric/registry.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

using ::testing::HasSubstr;

TEST(ExposerInteropTest, PrometheusCppExposerServesTheRegistry) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordMessageReceived("orders", "json");
  prometheus::Exposer exposer("127.0.0.1:0");
  exposer.RegisterCollectable(registry);
  ASSERT_FALSE(exposer.GetListeningPorts().empty());
  const auto response = testing::HttpGet(
      "http://127.0.0.1:" + std::to_string(exposer.GetListeningPorts().front()) + "/metrics");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_THAT(response.body,
              HasSubstr("semstreams_messages_received_total{service=\"orders\",type=\"json\"} 1"));
}

}  // namespace
}  // namespace semstreams::metric
