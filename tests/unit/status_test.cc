#include "semstreams/metric/status.h"

#include <gtest/gtest.h>

namespace semstreams::metric {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  const Status status(ErrorCode::kAlreadyRegistered, "metric \"a.b\" already registered");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyRegistered);
  EXPECT_EQ(status.ToString(), "kAlreadyRegistered: metric \"a.b\" already registered");
}

TEST(StatusTest, EveryCodeHasAName) {
  for (ErrorCode code : {ErrorCode::kOk, ErrorCode::kInvalidArgument, ErrorCode::kAlreadyRegistered,
                         ErrorCode::kPrometheusConflict, ErrorCode::kAlreadyRunning,
                         ErrorCode::kNilRegistry, ErrorCode::kBindFailed, ErrorCode::kTlsConfig,
                         ErrorCode::kInternal, ErrorCode::kPushFailed}) {
    EXPECT_STRNE(ErrorCodeName(code), "kUnknown");
  }
}

}  // namespace
}  // namespace semstreams::metric
