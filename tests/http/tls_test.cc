#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "semstreams/security/config.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;
using ::testing::StartsWith;

// Certificates made once per test binary by the openssl CLI: a CA, a server
// certificate for localhost/127.0.0.1, two clients of that CA (one whose CN
// is allowed, one not) and a client of an unrelated CA.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir_template[] = "/tmp/semstreams-tls-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    WriteFile("server.ext",
              "basicConstraints=CA:FALSE\n"
              "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
              "extendedKeyUsage=serverAuth\n");
    WriteFile("client.ext", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    MakeCa("ca");
    MakeCa("other-ca");
    MakeLeaf("server", "localhost", "ca", "server.ext");
    MakeLeaf("client", "prometheus", "ca", "client.ext");
    MakeLeaf("intruder", "intruder", "ca", "client.ext");
    MakeLeaf("stranger", "prometheus", "other-ca", "client.ext");
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  static std::string File(const std::string& name) { return dir_ + "/" + name; }

  static void WriteFile(const std::string& name, const std::string& contents) {
    std::ofstream(File(name)) << contents;
  }

  static void Run(const std::string& args) {
    const std::string command =
        std::string(SEMSTREAMS_OPENSSL_CLI) + " " + args + " >>" + File("openssl.log") + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  static void MakeCa(const std::string& name) {
    Run("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
        " -keyout " + File(name + ".key") + " -out " + File(name + ".pem"));
  }

  static void MakeLeaf(const std::string& name, const std::string& cn, const std::string& ca,
                       const std::string& ext) {
    Run("req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + cn +
        " -keyout " + File(name + ".key") + " -out " + File(name + ".csr"));
    Run("x509 -req -days 2 -in " + File(name + ".csr") + " -CA " + File(ca + ".pem") + " -CAkey " +
        File(ca + ".key") + " -set_serial " + std::to_string(++serial_) + " -extfile " + File(ext) +
        " -out " + File(name + ".pem"));
  }

  static ServerOptions TlsOptions() {
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    auto& tls = options.security.tls.server;
    tls.enabled = true;
    tls.cert_file = File("server.pem");
    tls.key_file = File("server.key");
    return options;
  }

  static ServerOptions MtlsOptions(bool require_client_cert) {
    ServerOptions options = TlsOptions();
    auto& mtls = options.security.tls.server.mtls;
    mtls.enabled = true;
    mtls.client_ca_files = {File("ca.pem")};
    mtls.require_client_cert = require_client_cert;
    return options;
  }

  static HttpRequestOptions Client(const std::string& identity = "") {
    HttpRequestOptions options;
    options.ca_file = File("ca.pem");
    if (!identity.empty()) {
      options.client_cert = File(identity + ".pem");
      options.client_key = File(identity + ".key");
    }
    return options;
  }

  static std::string Url(const MetricsServer& server, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(server.Port()) + path;
  }

  static inline std::string dir_;
  static inline int serial_ = 0;
};

TEST_F(TlsTest, ServesMetricsHealthAndIndexOverHttps) {
  auto registry = NewMetricsRegistry();
  registry->CoreMetrics().RecordHealthStatus("api", true);
  MetricsServer server(TlsOptions(), registry);
  const Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(server.Address(), "https://127.0.0.1:" + std::to_string(server.Port()) + "/metrics");

  const HttpResponse metrics = HttpGet(server.Address(), Client());
  ASSERT_TRUE(metrics.ok()) << metrics.error;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("semstreams_health_status{service=\"api\"} 1"));

  const HttpResponse health = HttpGet(Url(server, "/health"), Client());
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.content_type, "application/json");
  EXPECT_EQ(HttpGet(Url(server, "/"), Client()).status, 200);
  EXPECT_EQ(HttpGet(Url(server, "/missing"), Client()).status, 404);
}

// Larger than one TLS record and than the size at which bodies move to
// mappings of their own, with the last series checked: the body arrives whole.
TEST_F(TlsTest, LargeBodiesArriveWholeOverHttps) {
  for (int series : {1000, 10000}) {
    auto registry = NewMetricsRegistry();
    for (int i = 0; i < series; ++i) {
      registry->CoreMetrics().RecordMessageReceived("svc" + std::to_string(i), "t");
    }
    MetricsServer server(TlsOptions(), registry);
    ASSERT_TRUE(server.Start().ok());
    const HttpResponse metrics = HttpGet(server.Address(), Client());
    ASSERT_TRUE(metrics.ok()) << series << ": " << metrics.error;
    EXPECT_EQ(metrics.status, 200);
    EXPECT_GT(metrics.body.size(), static_cast<std::size_t>(series) * 40);
    EXPECT_THAT(metrics.body, HasSubstr("semstreams_messages_received_total{service=\"svc" +
                                        std::to_string(series - 1) + "\",type=\"t\"} 1"));
  }
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoMetrics) {
  MetricsServer server(TlsOptions(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  const HttpResponse response =
      HttpGet("http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics");
  EXPECT_FALSE(response.ok() && response.status == 200);
}

TEST_F(TlsTest, ClientThatDoesNotTrustTheServerCaFails) {
  MetricsServer server(TlsOptions(), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  HttpRequestOptions wrong_ca = Client();
  wrong_ca.ca_file = File("other-ca.pem");
  EXPECT_FALSE(HttpGet(Url(server, "/health"), wrong_ca).ok());
}

TEST_F(TlsTest, MinVersion12RefusesTls11AndAcceptsTls12) {
  ServerOptions options = TlsOptions();
  options.security.tls.server.min_version = "1.2";
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  HttpRequestOptions tls11 = Client();
  tls11.max_tls = "1.1";
  EXPECT_FALSE(HttpGet(Url(server, "/health"), tls11).ok());
  HttpRequestOptions tls12 = Client();
  tls12.max_tls = "1.2";
  const HttpResponse response = HttpGet(Url(server, "/health"), tls12);
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
}

TEST_F(TlsTest, MinVersion13RefusesTls12AndAcceptsTls13) {
  ServerOptions options = TlsOptions();
  options.security.tls.server.min_version = "1.3";
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  HttpRequestOptions tls12 = Client();
  tls12.max_tls = "1.2";
  EXPECT_FALSE(HttpGet(Url(server, "/health"), tls12).ok());
  HttpRequestOptions tls13 = Client();
  tls13.max_tls = "1.3";
  const HttpResponse response = HttpGet(Url(server, "/health"), tls13);
  EXPECT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
}

TEST_F(TlsTest, RequiredMtlsAcceptsOnlyClientsOfTheConfiguredCa) {
  MetricsServer server(MtlsOptions(/*require_client_cert=*/true), NewMetricsRegistry());
  const Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  const HttpResponse good = HttpGet(Url(server, "/metrics"), Client("client"));
  ASSERT_TRUE(good.ok()) << good.error;
  EXPECT_EQ(good.status, 200);
  EXPECT_THAT(good.body, HasSubstr("process_start_time_seconds"));

  EXPECT_FALSE(HttpGet(Url(server, "/metrics"), Client()).ok());            // no certificate
  EXPECT_FALSE(HttpGet(Url(server, "/metrics"), Client("stranger")).ok());  // other CA
}

TEST_F(TlsTest, AllowedClientCnsRejectOtherNamesWith403) {
  ServerOptions options = MtlsOptions(/*require_client_cert=*/true);
  options.security.tls.server.mtls.allowed_client_cns = {"scraper", "prometheus"};
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  const HttpResponse allowed = HttpGet(Url(server, "/metrics"), Client("client"));
  ASSERT_TRUE(allowed.ok()) << allowed.error;
  EXPECT_EQ(allowed.status, 200);

  for (const char* path : {"/metrics", "/health", "/"}) {
    const HttpResponse denied = HttpGet(Url(server, path), Client("intruder"));
    ASSERT_TRUE(denied.ok()) << path << ": " << denied.error;
    EXPECT_EQ(denied.status, 403) << path;
    EXPECT_THAT(denied.body, ::testing::Not(HasSubstr("process_start_time_seconds")));
  }
}

TEST_F(TlsTest, OptionalMtlsAllowsClientsWithoutCertificateButVerifiesPresentedOnes) {
  MetricsServer server(MtlsOptions(/*require_client_cert=*/false), NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  EXPECT_EQ(HttpGet(Url(server, "/health"), Client()).status, 200);
  EXPECT_EQ(HttpGet(Url(server, "/health"), Client("client")).status, 200);
  EXPECT_FALSE(HttpGet(Url(server, "/health"), Client("stranger")).ok());
}

TEST_F(TlsTest, OptionalMtlsWithAllowedCnsForbidsClientsWithoutCertificate) {
  ServerOptions options = MtlsOptions(/*require_client_cert=*/false);
  options.security.tls.server.mtls.allowed_client_cns = {"prometheus"};
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());

  EXPECT_EQ(HttpGet(Url(server, "/health"), Client()).status, 403);
  EXPECT_EQ(HttpGet(Url(server, "/health"), Client("client")).status, 200);
}

TEST_F(TlsTest, AcmeModeIsRefused) {
  ServerOptions options = TlsOptions();
  options.security.tls.server.mode = "acme";
  MetricsServer server(options, NewMetricsRegistry());
  const Status status = server.Start();
  EXPECT_EQ(status.code(), ErrorCode::kTlsConfig);
  EXPECT_THAT(status.message(), HasSubstr("acme"));
  EXPECT_THAT(status.message(), HasSubstr("not supported"));
  EXPECT_FALSE(server.Running());
}

TEST_F(TlsTest, BadTlsSettingsFailStartWithTlsConfig) {
  struct Case {
    const char* what;
    void (*apply)(ServerOptions&);
    const char* message;
  };
  WriteFile("garbage.pem", "this is not PEM\n");
  const Case cases[] = {
      {"missing cert", [](ServerOptions& o) { o.security.tls.server.cert_file = File("nope.pem"); },
       "nope.pem"},
      {"missing key", [](ServerOptions& o) { o.security.tls.server.key_file = File("nope.key"); },
       "nope.key"},
      {"empty cert path", [](ServerOptions& o) { o.security.tls.server.cert_file = ""; },
       "cert_file"},
      {"directory as key", [](ServerOptions& o) { o.security.tls.server.key_file = dir_; },
       "key_file"},
      {"garbage cert",
       [](ServerOptions& o) { o.security.tls.server.cert_file = File("garbage.pem"); },
       "cert_file"},
      {"key of another cert",
       [](ServerOptions& o) { o.security.tls.server.key_file = File("client.key"); }, "key"},
      {"min version 1.1", [](ServerOptions& o) { o.security.tls.server.min_version = "1.1"; },
       "min_version"},
      {"mtls without CA", [](ServerOptions& o) { o.security.tls.server.mtls.enabled = true; },
       "client_ca_files"},
      {"mtls with missing CA",
       [](ServerOptions& o) {
         o.security.tls.server.mtls.enabled = true;
         o.security.tls.server.mtls.client_ca_files = {File("missing-ca.pem")};
       },
       "missing-ca.pem"},
  };
  for (const Case& c : cases) {
    ServerOptions options = TlsOptions();
    c.apply(options);
    MetricsServer server(options, NewMetricsRegistry());
    const Status status = server.Start();
    EXPECT_EQ(status.code(), ErrorCode::kTlsConfig) << c.what << ": " << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.what;
    EXPECT_FALSE(server.Running()) << c.what;
  }

  // Nothing was left half-started: a good configuration still starts.
  MetricsServer good(TlsOptions(), NewMetricsRegistry());
  ASSERT_TRUE(good.Start().ok());
  EXPECT_EQ(HttpGet(Url(good, "/health"), Client()).status, 200);
}

TEST_F(TlsTest, ConfigFromJsonFileStartsHttps) {
  WriteFile("security.json", R"({"tls":{"server":{"enabled":true,"cert_file":")" +
                                 File("server.pem") + R"(","key_file":")" + File("server.key") +
                                 R"(","min_version":"1.2"}}})");
  security::Config config;
  const Status loaded = security::LoadConfigFromFile(File("security.json"), config);
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();

  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.security = config;
  MetricsServer server(options, NewMetricsRegistry());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_THAT(server.Address(), StartsWith("https://"));
  EXPECT_EQ(HttpGet(Url(server, "/health"), Client()).status, 200);
}

}  // namespace
}  // namespace semstreams::metric
