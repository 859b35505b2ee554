#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "semstreams/security/config.h"

namespace semstreams::security {
namespace {

using metric::ErrorCode;
using metric::Status;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(SecurityConfigTest, ParsesEveryServerField) {
  Config config;
  const Status status = LoadConfigFromJson(R"({
    "tls": {"server": {
      "enabled": true, "mode": "manual",
      "cert_file": "/etc/tls/server.pem", "key_file": "/etc/tls/server.key",
      "min_version": "1.3",
      "mtls": {"enabled": true, "client_ca_files": ["/ca1.pem", "/ca2.pem"],
               "require_client_cert": true, "allowed_client_cns": ["prometheus", "ops"]}
    }}
  })",
                                           config);

  ASSERT_TRUE(status.ok()) << status.ToString();
  const ServerTLSConfig& server = config.tls.server;
  EXPECT_TRUE(server.enabled);
  EXPECT_EQ(server.mode, "manual");
  EXPECT_EQ(server.cert_file, "/etc/tls/server.pem");
  EXPECT_EQ(server.key_file, "/etc/tls/server.key");
  EXPECT_EQ(server.min_version, "1.3");
  EXPECT_TRUE(server.mtls.enabled);
  EXPECT_THAT(server.mtls.client_ca_files, ElementsAre("/ca1.pem", "/ca2.pem"));
  EXPECT_TRUE(server.mtls.require_client_cert);
  EXPECT_THAT(server.mtls.allowed_client_cns, ElementsAre("prometheus", "ops"));
}

TEST(SecurityConfigTest, MissingFieldsKeepTheirDefaults) {
  Config config;
  ASSERT_TRUE(LoadConfigFromJson(R"({"tls":{"server":{"enabled":true}}})", config).ok());
  EXPECT_TRUE(config.tls.server.enabled);
  EXPECT_EQ(config.tls.server.mode, "manual");
  EXPECT_EQ(config.tls.server.min_version, "1.2");
  EXPECT_FALSE(config.tls.server.mtls.enabled);
  EXPECT_THAT(config.tls.server.mtls.client_ca_files, IsEmpty());

  Config empty;
  ASSERT_TRUE(LoadConfigFromJson("{}", empty).ok());
  EXPECT_FALSE(empty.tls.server.enabled);
}

TEST(SecurityConfigTest, UnknownFieldIsInvalidArgumentNamingItsPath) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : {
           Case{R"({"tsl":{}})", "tsl"},
           Case{R"({"tls":{"client":{}}})", "tls.client"},
           Case{R"({"tls":{"server":{"cert":"x"}}})", "tls.server.cert"},
           Case{R"({"tls":{"server":{"mtls":{"require_cert":true}}}})",
                "tls.server.mtls.require_cert"},
       }) {
    Config config;
    const Status status = LoadConfigFromJson(c.json, config);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.json;
    EXPECT_THAT(status.message(), HasSubstr(c.field)) << c.json;
    EXPECT_THAT(status.message(), HasSubstr("unknown field")) << c.json;
  }
}

TEST(SecurityConfigTest, WronglyTypedFieldIsInvalidArgumentNamingItsPath) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : {
           Case{R"({"tls":"on"})", "tls"},
           Case{R"({"tls":{"server":{"enabled":"true"}}})", "tls.server.enabled"},
           Case{R"({"tls":{"server":{"min_version":1.2}}})", "tls.server.min_version"},
           Case{R"({"tls":{"server":{"cert_file":null}}})", "tls.server.cert_file"},
           Case{R"({"tls":{"server":{"mtls":[]}}})", "tls.server.mtls"},
           Case{R"({"tls":{"server":{"mtls":{"client_ca_files":"/ca.pem"}}}})",
                "tls.server.mtls.client_ca_files"},
           Case{R"({"tls":{"server":{"mtls":{"allowed_client_cns":["a",7]}}}})",
                "tls.server.mtls.allowed_client_cns[1]"},
           Case{R"({"tls":{"server":{"mtls":{"require_client_cert":1}}}})",
                "tls.server.mtls.require_client_cert"},
       }) {
    Config config;
    const Status status = LoadConfigFromJson(c.json, config);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.json;
    EXPECT_THAT(status.message(), HasSubstr(c.field)) << c.json;
    EXPECT_THAT(status.message(), HasSubstr("expected")) << c.json;
  }
}

TEST(SecurityConfigTest, MalformedJsonIsInvalidArgument) {
  Config config;
  EXPECT_EQ(LoadConfigFromJson(R"({"tls": )", config).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoadConfigFromJson("[]", config).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoadConfigFromJson("", config).code(), ErrorCode::kInvalidArgument);
}

TEST(SecurityConfigTest, FailedLoadLeavesOutputUnchanged) {
  Config config;
  config.tls.server.cert_file = "/kept.pem";
  const Status status = LoadConfigFromJson(
      R"({"tls":{"server":{"cert_file":"/changed.pem","enabled":"yes"}}})", config);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.tls.server.cert_file, "/kept.pem");
  EXPECT_FALSE(config.tls.server.enabled);
}

TEST(SecurityConfigTest, LoadsFromFile) {
  char dir_template[] = "/tmp/semstreams-security-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/security.json";
  {
    std::ofstream out(path);
    out << R"({"tls":{"server":{"enabled":true,"cert_file":"/c.pem","key_file":"/k.pem"}}})";
  }
  Config config;
  const Status status = LoadConfigFromFile(path, config);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(config.tls.server.enabled);
  EXPECT_EQ(config.tls.server.key_file, "/k.pem");

  {
    std::ofstream out(path);
    out << R"({"tls":{"server":{"enabled":1}}})";
  }
  const Status bad = LoadConfigFromFile(path, config);
  EXPECT_EQ(bad.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr(path));
  EXPECT_THAT(bad.message(), HasSubstr("tls.server.enabled"));

  std::remove(path.c_str());
  rmdir(dir_template);
}

TEST(SecurityConfigTest, MissingFileIsInvalidArgumentNamingThePath) {
  Config config;
  const Status status = LoadConfigFromFile("/nonexistent/semstreams/security.json", config);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/semstreams/security.json"));
}

// Found by fuzz/security_config_fuzz.cc: nlohmann throws out_of_range (not
// parse_error) for a number no double can hold; it must not escape.
TEST(SecurityConfigTest, NumberTooLargeForADoubleIsInvalidArgument) {
  Config config;
  const Status status = LoadConfigFromJson("44e499", config);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("invalid JSON"));
}

}  // namespace
}  // namespace semstreams::security
