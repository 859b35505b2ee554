// One civetweb: the headers this project compiles against belong to the
// civetweb code that runs, and that civetweb has what its build promises
// (bundled in prometheus-cpp, e.g. with SEMSTREAMS_METRIC_FETCH_DEPS: IPv6;
// OpenSSL linked directly, so HTTPS needs no compatibility modules). tests/one_civetweb_test.sh
// checks the same from the build's dependency and link records.
#include <civetweb.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;

constexpr unsigned kFeatureIpv6 = 8;  // civetweb.h, mg_check_feature

ServerOptions Ipv6Loopback() {
  ServerOptions options;
  options.bind_address = "[::1]";
  options.port = 0;
  return options;
}

TEST(CivetwebTest, HeaderVersionIsTheVersionOfTheCodeThatRuns) {
  // A header of one civetweb over the code of another (two civetwebs on one
  // link line) shows here first.
  EXPECT_STREQ(mg_version(), CIVETWEB_VERSION);
}

TEST(CivetwebTest, Ipv6LoopbackServesMetricsWhenCivetwebHasIpv6) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordServiceStatus("v6", 2);
  MetricsServer server(Ipv6Loopback(), registry);
  const Status started = server.Start();
  if (mg_check_feature(kFeatureIpv6) == 0) {
    // Debian's civetweb 1.15 is built without USE_IPV6: refused up front,
    // saying why, rather than bound somewhere else or crashed.
    EXPECT_EQ(started.code(), ErrorCode::kInvalidArgument) << started.ToString();
    EXPECT_NE(started.message().find("without IPv6"), std::string::npos) << started.ToString();
    return;
  }
  ASSERT_TRUE(started.ok()) << started.ToString();
  const std::string url = "http://[::1]:" + std::to_string(server.Port()) + "/metrics";
  const HttpResponse response = HttpGet(url);
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr("semstreams_service_status{service=\"v6\"} 2"));
  EXPECT_TRUE(server.Stop().ok());
}

#ifdef SEMSTREAMS_METRIC_BUNDLED_CIVETWEB
TEST(CivetwebTest, BundledCivetwebHasIpv6) { EXPECT_NE(mg_check_feature(kFeatureIpv6), 0u); }
#endif

#ifdef SEMSTREAMS_METRIC_CIVETWEB_LINKS_OPENSSL
std::vector<std::string> LoadedObjects() {
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t /*size*/, void* out) {
        static_cast<std::vector<std::string>*>(out)->emplace_back(info->dlpi_name);
        return 0;
      },
      &names);
  return names;
}

constexpr unsigned kFeatureTls = 2;  // civetweb.h, mg_check_feature

TEST(CivetwebTest, CivetwebLinkedWithOpenSslHasTls) {
  EXPECT_NE(mg_check_feature(kFeatureTls), 0u);
}

TEST(CivetwebTest, HttpsOnIpv6LoadsNoCompatibilityModule) {
  char dir_template[] = "/tmp/semstreams-civetweb-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const fs::path dir = dir_template;
  const std::string cert = dir / "server.pem";
  const std::string key = dir / "server.key";
  const std::string command = std::string(SEMSTREAMS_OPENSSL_CLI) +
                              " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                              " -days 2 -subj /CN=localhost -addext subjectAltName=IP:::1"
                              " -keyout " +
                              key + " -out " + cert + " >" + (dir / "openssl.log").string() +
                              " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  ServerOptions options = Ipv6Loopback();
  options.security.tls.server.enabled = true;
  options.security.tls.server.cert_file = cert;
  options.security.tls.server.key_file = key;
  MetricsServer server(options, NewMetricsRegistry());
  const Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  HttpRequestOptions client;
  client.ca_file = cert;
  const HttpResponse response =
      HttpGet("https://[::1]:" + std::to_string(server.Port()) + "/health", client);
  EXPECT_TRUE(server.Stop().ok());
  std::error_code ignored;
  fs::remove_all(dir, ignored);

  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  for (const std::string& object : LoadedObjects()) {
    EXPECT_THAT(object, ::testing::Not(HasSubstr("semstreams_metric_civetweb"))) << object;
  }
}
#endif

}  // namespace
}  // namespace semstreams::metric
