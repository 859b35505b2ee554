#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "semstreams/metric/registry.h"
#include "semstreams/metric/server.h"
#include "support/http_client.h"

namespace semstreams::metric {
namespace {

using ::testing::HasSubstr;
using testing::HttpGet;
using testing::HttpRequestOptions;
using testing::HttpResponse;

// bcrypt (cost 10) of "fakepassword", made by Go's golang.org/x/crypto/bcrypt.
constexpr const char* kGoHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

std::string Base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, in.size() - i);
    std::uint32_t bits = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      bits = (bits << 8) | (j < n ? static_cast<unsigned char>(in[i + j]) : 0u);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? kAlphabet[(bits >> (18 - 6 * j)) & 0x3f] : '=';
    }
  }
  return out;
}

HttpResponse GetAs(const MetricsServer& server, const std::string& path, const std::string& user,
                   const std::string& password) {
  HttpRequestOptions request;
  request.headers = {"Authorization: Basic " + Base64(user + ":" + password)};
  return HttpGet("http://127.0.0.1:" + std::to_string(server.Port()) + path, request);
}

class BasicAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.basic_auth_users = {{"alice", kGoHash}};
    options.response_headers = {{"X-Content-Type-Options", "nosniff"}};
    server_ = std::make_unique<MetricsServer>(options, NewMetricsRegistry());
    ASSERT_TRUE(server_->Start().ok());
  }
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(BasicAuthTest, RightPasswordFromGoBcryptIsServed) {
  const HttpResponse response = GetAs(*server_, "/metrics", "alice", "fakepassword");
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_THAT(response.body, HasSubstr("process_start_time_seconds"));
  EXPECT_EQ(response.headers.at("x-content-type-options"), "nosniff");
}

TEST_F(BasicAuthTest, MissingOrWrongCredentialsAre401WithBasicChallengeOnEveryPath) {
  for (const char* path : {"/metrics", "/health", "/", "/nope"}) {
    const HttpResponse none = HttpGet("http://127.0.0.1:" + std::to_string(server_->Port()) + path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(none.headers.count("www-authenticate") ? none.headers.at("www-authenticate") : "",
              "Basic")
        << path;
    EXPECT_EQ(none.headers.at("x-content-type-options"), "nosniff");
  }
  EXPECT_EQ(GetAs(*server_, "/metrics", "alice", "wrong").status, 401);
  EXPECT_EQ(GetAs(*server_, "/metrics", "alice", "fakepassword ").status, 401);
  EXPECT_EQ(GetAs(*server_, "/metrics", "bob", "fakepassword").status, 401);
  EXPECT_EQ(GetAs(*server_, "/metrics", "", "").status, 401);
  HttpRequestOptions garbage;
  garbage.headers = {"Authorization: Basic !!!notbase64"};
  EXPECT_EQ(
      HttpGet("http://127.0.0.1:" + std::to_string(server_->Port()) + "/metrics", garbage).status,
      401);
  garbage.headers = {"Authorization: Bearer " + Base64("alice:fakepassword")};
  EXPECT_EQ(
      HttpGet("http://127.0.0.1:" + std::to_string(server_->Port()) + "/metrics", garbage).status,
      401);
}

TEST_F(BasicAuthTest, VerifiedCredentialsAreCachedSoScrapesDoNotPayBcryptEachTime) {
  using Clock = std::chrono::steady_clock;
  const auto first_start = Clock::now();
  ASSERT_EQ(GetAs(*server_, "/health", "alice", "fakepassword").status, 200);
  const auto first = Clock::now() - first_start;

  constexpr int kRepeats = 20;
  const auto rest_start = Clock::now();
  for (int i = 0; i < kRepeats; ++i) {
    ASSERT_EQ(GetAs(*server_, "/health", "alice", "fakepassword").status, 200);
  }
  const auto rest = Clock::now() - rest_start;
  // Uncached, each of the 20 would cost about `first` (a cost-10 bcrypt).
  EXPECT_LT(rest, first * (kRepeats / 2))
      << "first " << std::chrono::duration<double, std::milli>(first).count() << " ms, next "
      << kRepeats << ": " << std::chrono::duration<double, std::milli>(rest).count() << " ms";
}

}  // namespace
}  // namespace semstreams::metric
