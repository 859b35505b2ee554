#include "semstreams/metric/web_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace semstreams::metric {
namespace {

using ::testing::HasSubstr;

// bcrypt of "fakepassword", made by Go's golang.org/x/crypto/bcrypt
// (exporter-toolkit's own decoy hash).
constexpr const char* kGoHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

Status Load(const std::string& yaml, ServerOptions& options) {
  return LoadWebConfigFromYaml(yaml, "/etc/exporter", options);
}

TEST(WebConfigTest, ReadsTlsUsersAndHeadersLikeNodeExporter) {
  ServerOptions options;
  const Status status = Load(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.pem
  min_version: TLS13
basic_auth_users:
  alice: )" + std::string(kGoHash) +
                                 R"(
http_server_config:
  http2: true
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
)",
                             options);
  ASSERT_TRUE(status.ok()) << status.message();
  const auto& tls = options.security.tls.server;
  EXPECT_TRUE(tls.enabled);
  EXPECT_EQ(tls.cert_file, "/etc/exporter/server.crt");
  EXPECT_EQ(tls.key_file, "/abs/server.key");
  EXPECT_EQ(tls.min_version, "1.3");
  EXPECT_TRUE(tls.mtls.enabled);
  EXPECT_TRUE(tls.mtls.require_client_cert);
  ASSERT_EQ(tls.mtls.client_ca_files.size(), 1u);
  EXPECT_EQ(tls.mtls.client_ca_files[0], "/etc/exporter/ca.pem");
  ASSERT_EQ(options.basic_auth_users.count("alice"), 1u);
  EXPECT_EQ(options.basic_auth_users.at("alice"), kGoHash);
  EXPECT_EQ(options.response_headers.at("X-Frame-Options"), "deny");
  EXPECT_EQ(options.response_headers.at("Strict-Transport-Security"), "max-age=31536000");
}

TEST(WebConfigTest, EmptyFileConfiguresNothing) {
  ServerOptions options;
  ASSERT_TRUE(Load("", options).ok());
  ASSERT_TRUE(Load("# only a comment\n", options).ok());
  EXPECT_FALSE(options.security.tls.server.enabled);
  EXPECT_TRUE(options.basic_auth_users.empty());
}

TEST(WebConfigTest, VerifyIfGivenMakesClientCertificatesOptional) {
  ServerOptions options;
  ASSERT_TRUE(Load("tls_server_config: {cert_file: c, key_file: k, client_auth_type: "
                   "VerifyClientCertIfGiven, client_ca_file: ca}",
                   options)
                  .ok());
  EXPECT_TRUE(options.security.tls.server.mtls.enabled);
  EXPECT_FALSE(options.security.tls.server.mtls.require_client_cert);
  EXPECT_EQ(options.security.tls.server.min_version, "1.2");
}

TEST(WebConfigTest, EveryMalformedFileIsRefusedNamingTheField) {
  const std::string hash = kGoHash;
  const std::pair<std::string, std::string> cases[] = {
      {"tls_server_config: [", "not valid YAML"},
      {"- a\n- b\n", "mapping"},
      {"nonsense: 1", "unknown field nonsense"},
      {"tls_server_config: 3", "tls_server_config must be a mapping"},
      {"tls_server_config: {key_file: k}", "tls_server_config.cert_file is required"},
      {"tls_server_config: {cert_file: c}", "tls_server_config.key_file is required"},
      {"tls_server_config: {cert_file: [c], key_file: k}", "tls_server_config.cert_file"},
      {"tls_server_config: {cert_file: c, key_file: k, min_version: TLS11}",
       "tls_server_config.min_version TLS11"},
      {"tls_server_config: {cert_file: c, key_file: k, min_version: 1.2}",
       "tls_server_config.min_version"},
      {"tls_server_config: {cert_file: c, key_file: k, client_auth_type: Bogus}",
       "tls_server_config.client_auth_type"},
      {"tls_server_config: {cert_file: c, key_file: k, client_auth_type: "
       "RequireAndVerifyClientCert}",
       "tls_server_config.client_ca_file is required"},
      {"tls_server_config: {cert_file: c, key_file: k, client_ca_file: ca}",
       "tls_server_config.client_ca_file"},
      {"tls_server_config: {cert_file: c, key_file: k, client_auth_type: RequireAnyClientCert}",
       "RequireAnyClientCert"},
      {"tls_server_config: {cert_file: c, key_file: k, cipher_suites: [x]}",
       "tls_server_config.cipher_suites is not supported"},
      {"tls_server_config: {cert_file: c, key_file: k, typo: 1}",
       "unknown field tls_server_config.typo"},
      {"basic_auth_users: [alice]", "basic_auth_users must be a mapping"},
      {"basic_auth_users: {alice: plaintext}", "basic_auth_users.alice is not a bcrypt hash"},
      {"basic_auth_users: {alice: {x: 1}}", "basic_auth_users.alice must be a string"},
      {"basic_auth_users: {\"a:b\": \"" + hash + "\"}", "basic_auth_users.a:b"},
      {"http_server_config: {headers: {X-Custom: 1}}", "http_server_config.headers.X-Custom"},
      {"http_server_config: {headers: {X-Frame-Options: allow}}",
       "http_server_config.headers.X-Frame-Options"},
      {"http_server_config: {http2: maybe}", "http_server_config.http2"},
      {"http_server_config: {bogus: 1}", "unknown field http_server_config.bogus"},
      {"rate_limit: {interval: 1s}", "rate_limit is not supported"},
  };
  for (const auto& [yaml, expected] : cases) {
    ServerOptions options;
    options.path = "/untouched";
    const Status status = Load(yaml, options);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << yaml;
    EXPECT_THAT(status.message(), HasSubstr(expected)) << yaml;
    EXPECT_FALSE(options.security.tls.server.enabled) << yaml;
    EXPECT_TRUE(options.basic_auth_users.empty()) << yaml;
    EXPECT_EQ(options.path, "/untouched");
  }
}

TEST(WebConfigTest, FileNamesAreRelativeToTheConfigFileAndAMissingFileIsNamed) {
  char dir_template[] = "/tmp/web_config_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/web.yml";
  std::ofstream(path) << "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n";
  ServerOptions options;
  const Status status = LoadWebConfig(path, options);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(options.security.tls.server.cert_file, dir + "/a.crt");

  const Status missing = LoadWebConfig(dir + "/absent.yml", options);
  EXPECT_EQ(missing.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("absent.yml"));
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace semstreams::metric
