#pragma once

#include <string>
#include <utility>

namespace semstreams::metric {

/// \brief Why an operation failed; kOk when it did not.
enum class ErrorCode {
  kOk,
  kInvalidArgument,
  kAlreadyRegistered,
  kPrometheusConflict,
  kAlreadyRunning,
  kNilRegistry,
  kBindFailed,
  kTlsConfig,
  kInternal,
  kPushFailed,
};

/// \brief The name of an error code, e.g. "kAlreadyRegistered".
const char* ErrorCodeName(ErrorCode code) noexcept;

/// \brief The outcome of an operation that can fail for reasons outside the
/// caller's control: ok(), or a code and a message meant for a human.
class [[nodiscard]] Status {
 public:
  /// \brief A successful status.
  Status() = default;
  /// \brief A status with `code` and a human-readable `message`.
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  /// \brief A successful status; reads better than `Status()` at call sites.
  static Status Ok() { return Status(); }

  /// \brief True when the operation succeeded.
  bool ok() const noexcept { return code_ == ErrorCode::kOk; }
  /// \brief The failure category; kOk on success.
  ErrorCode code() const noexcept { return code_; }
  /// \brief What went wrong, naming the metric, key or address involved.
  const std::string& message() const noexcept { return message_; }
  /// \brief "OK", or the code name followed by the message.
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

}  // namespace semstreams::metric
