#include "semstreams/metric/status.h"

namespace semstreams::metric {

const char* ErrorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk:
      return "kOk";
    case ErrorCode::kInvalidArgument:
      return "kInvalidArgument";
    case ErrorCode::kAlreadyRegistered:
      return "kAlreadyRegistered";
    case ErrorCode::kPrometheusConflict:
      return "kPrometheusConflict";
    case ErrorCode::kAlreadyRunning:
      return "kAlreadyRunning";
    case ErrorCode::kNilRegistry:
      return "kNilRegistry";
    case ErrorCode::kBindFailed:
      return "kBindFailed";
    case ErrorCode::kTlsConfig:
      return "kTlsConfig";
    case ErrorCode::kInternal:
      return "kInternal";
    case ErrorCode::kPushFailed:
      return "kPushFailed";
  }
  return "kUnknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace semstreams::metric
