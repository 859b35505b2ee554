#include "semstreams/metric/remote_write.h"

#include <curl/curl.h>
#include <snappy.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "detail/http_text.h"
#include "detail/names.h"
#include "detail/remote_write_access.h"
#include "detail/snapshot_access.h"
#include "detail/trim.h"
#include "push/curl_common.h"
#include "push/remote_write_encoding.h"
#include "semstreams/metric/registry.h"

namespace semstreams::metric {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Headers the protocol sets; a user's header of the same name would make
// the request unreadable.
constexpr std::string_view kReservedHeaders[] = {"content-type",
                                                 "content-encoding",
                                                 "content-length",
                                                 "x-prometheus-remote-write-version",
                                                 "transfer-encoding",
                                                 "connection",
                                                 "host"};

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, "remote write: " + std::move(message));
}

// The receiver as the writer's own metrics name it: the URL without any
// user:password@, which must not end up in a metric.
std::string RedactedUrl(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const std::size_t host_start = scheme_end + 3;
  const std::size_t path_start = url.find_first_of("/?#", host_start);
  const std::size_t at = url.rfind('@', path_start == std::string::npos ? url.size() : path_start);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

// Checks the URL with libcurl's own parser, the one that will send to it,
// so that what is accepted here is what works later.
Status ValidateUrl(const std::string& url) {
  const std::string shown = "\"" + RedactedUrl(url) + "\"";
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Invalid("url must start with http:// or https://, got " + shown);
  }
  // libcurl would read "http:///api" as the host "api"; RFC 9110 has no
  // http URI without a host.
  const std::size_t authority = url.find("://") + 3;
  if (authority == url.size() ||
      std::string_view("/?#").find(url[authority]) != std::string_view::npos) {
    return Invalid("url has no host: " + shown);
  }
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) return Status(ErrorCode::kInternal, "remote write: curl_url failed");
  if (const CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
      rc != CURLUE_OK) {
    return Invalid("invalid url " + shown + ": " + curl_url_strerror(rc));
  }
  return Status::Ok();
}

Status Validate(const RemoteWriteOptions& o) {
  if (Status s = ValidateUrl(o.url); !s.ok()) return s;
  if (o.protocol_version != 1 && o.protocol_version != 2) {
    return Invalid("protocol_version must be 1 or 2, got " + std::to_string(o.protocol_version));
  }
  if (o.timeout.count() <= 0) return Invalid("timeout must be positive");
  if (o.min_backoff.count() <= 0 || o.max_backoff < o.min_backoff) {
    return Invalid("want 0 < min_backoff <= max_backoff");
  }
  for (const auto& [name, value] : o.external_labels) {
    if (!detail::IsValidUtf8Name(name) || name.rfind("__", 0) == 0) {
      return Invalid("invalid external label name \"" + name +
                     "\" (non-empty UTF-8, not starting with \"__\")");
    }
    if (!detail::IsValidUtf8(value)) return Invalid("external label " + name + " is not UTF-8");
  }
  for (const auto& [name, value] : o.headers) {
    if (!detail::IsHttpToken(name)) return Invalid("invalid header name \"" + name + "\"");
    for (const std::string_view reserved : kReservedHeaders) {
      if (detail::EqualsIgnoringCase(name, reserved)) {
        return Invalid("header " + name + " is set by the protocol and cannot be overridden");
      }
    }
    if (!detail::IsHttpFieldValue(value)) {
      return Invalid("header " + name + " has a CR, LF or NUL in its value");
    }
  }
  return Status::Ok();
}

// Retry-After in seconds (an HTTP date is read as "no advice"; the back-off
// then applies).
std::optional<milliseconds> ParseRetryAfter(std::string_view value) {
  value = detail::Trim(value, " \t\r\n");
  if (value.empty() || value.size() > 9 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return milliseconds(std::stoll(std::string(value)) * 1000);
}

// What the writer reads from a response's headers.
struct ResponseHeaders {
  std::optional<milliseconds> retry_after;
  // Remote-Write 2.0 receivers confirm what they wrote; a 1.0-only receiver
  // ignores a 2.0 body's unknown fields and answers 204 having written nothing.
  bool confirmed = false;
};

std::size_t ReadHeader(char* data, std::size_t size, std::size_t count, void* out) {
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  auto& headers = *static_cast<ResponseHeaders*>(out);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (detail::StartsWithIgnoringCase(line, kRetryAfter)) {
    headers.retry_after = ParseRetryAfter(line.substr(kRetryAfter.size()));
  }
  if (detail::StartsWithIgnoringCase(line, "x-prometheus-remote-write-samples-written:")) {
    headers.confirmed = true;
  }
  return n;
}

// Whether a transport error may pass by itself (refused, reset, timed out)
// rather than stay until someone changes the configuration.
bool Transient(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_LOGIN_DENIED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return false;
    default:
      return true;
  }
}

// How one attempt ended.
struct Attempt {
  bool delivered = false;
  bool answered = false;  // the receiver sent a status
  bool retryable = false;
  std::optional<milliseconds> retry_after;
  std::string error;  // when not delivered
};

}  // namespace

class RemoteWriter::Impl {
 public:
  Impl(std::shared_ptr<MetricsRegistry> registry, RemoteWriteOptions options)
      : registry_(std::move(registry)), options_(std::move(options)) {
    if (!registry_) {
      error_ = Status(ErrorCode::kNilRegistry, "remote write: registry is null");
      return;
    }
    detail::InitCurlOnce();
    error_ = Validate(options_);
    if (!error_.ok()) return;
    remote_ = RedactedUrl(options_.url);
    sent_.emplace(detail::RemoteWriteAccess::Sent(*registry_).WithLabelValues(remote_));
    failed_.emplace(detail::RemoteWriteAccess::Failed(*registry_).WithLabelValues(remote_));
    retries_.emplace(detail::RemoteWriteAccess::Retries(*registry_).WithLabelValues(remote_));
    for (const auto& [name, value] : options_.external_labels) {
      context_.external_labels.push_back({name, value});  // a std::map: sorted, unique
    }
    context_.native_histograms = options_.send_native_histograms;
    error_ = SetUpCurl();
  }

  ~Impl() { Stop(); }

  Status Error() const { return error_; }

  Status Write() {
    if (!error_.ok()) return error_;
    const std::lock_guard<std::mutex> writing(write_mu_);
    const Clock::time_point deadline = Clock::now() + options_.timeout;
    context_.timestamp_ms = std::chrono::duration_cast<milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    const auto snapshot = detail::SnapshotAccess::Take(*registry_);
    if (options_.protocol_version == 1) {
      detail::EncodeWriteRequestV1(snapshot, context_, encoded_);
    } else {
      detail::EncodeWriteRequestV2(snapshot, context_, encoded_);
    }
    const auto carried = static_cast<double>(encoded_.samples + encoded_.histograms);
    snappy::Compress(encoded_.body.data(), encoded_.body.size(), &body_);

    milliseconds backoff = options_.min_backoff;
    std::string last_answer;  // the last status the receiver gave, for the message
    for (;;) {
      Attempt attempt = Send(deadline);
      if (attempt.delivered) {
        sent_->Add(carried);
        return Status::Ok();
      }
      std::string why;
      // A last attempt cut off by the deadline says less than the answer before it.
      if (attempt.answered) {
        last_answer = attempt.error;
      } else if (!last_answer.empty()) {
        why = "; the attempt before: " + last_answer;
      }
      if (attempt.retryable) {
        // Retry-After: 0 is no advice; retrying at once would flood the receiver.
        const milliseconds advised = attempt.retry_after.value_or(milliseconds(0));
        const milliseconds wait = advised.count() > 0 ? advised : backoff;
        backoff = std::min(backoff * 2, options_.max_backoff);
        if (Clock::now() + wait >= deadline) {
          why += "; no time left to retry within the timeout";
        } else if (WaitOrStop(wait)) {
          why += "; the writer stopped while waiting to retry";
        } else {
          retries_->Inc();
          continue;
        }
      }
      failed_->Add(carried);
      return Status(ErrorCode::kPushFailed, attempt.error + why);
    }
  }

  Status Start(milliseconds interval) {
    if (!error_.ok()) return error_;
    if (interval.count() <= 0) return Invalid("interval must be positive");
    const std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (thread_.joinable()) {
      return Status(ErrorCode::kAlreadyRunning, "remote write: already started");
    }
    thread_ = std::thread([this, interval] { Run(interval); });
    return Status::Ok();
  }

  void Stop() {
    const std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (!thread_.joinable()) return;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    // The last write: what changed since the previous one. stopping_ is
    // still set, so it never waits to retry: a receiver that is down does
    // not hold the host's shutdown beyond one request.
    static_cast<void>(Write());
    const std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }

 private:
  void Run(milliseconds interval) {
    Clock::time_point next = Clock::now() + interval;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
      }
      // The outcome is counted in the registry; there is no caller to tell.
      static_cast<void>(Write());
      next += interval;
      // A write that took longer than the interval: the missed ticks are
      // skipped rather than written back to back.
      if (const auto now = Clock::now(); next < now) next = now + interval;
    }
  }

  // Waits `wait`; true when Stop() cut the wait short.
  bool WaitOrStop(milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, wait, [this] { return stopping_; });
  }

  Status SetUpCurl() {
    curl_.reset(curl_easy_init());
    if (!curl_) return Status(ErrorCode::kInternal, "remote write: curl_easy_init failed");
    const bool v2 = options_.protocol_version == 2;
    const std::string headers[] = {
        v2 ? "Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request"
           : "Content-Type: application/x-protobuf",
        "Content-Encoding: snappy",
        v2 ? "X-Prometheus-Remote-Write-Version: 2.0.0"
           : "X-Prometheus-Remote-Write-Version: 0.1.0",
        // libcurl would otherwise wait a second for "100 Continue" on large bodies.
        "Expect:",
    };
    for (const std::string& header : headers) Append(header);
    for (const auto& [name, value] : options_.headers) {
      std::string header = name;
      header.append(": ").append(value);
      Append(header);
    }
    if (headers_ == nullptr) return Status(ErrorCode::kInternal, "remote write: out of memory");

    CURL* c = curl_.get();
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "semstreams-metric");
    detail::SetCommonOptions(c, error_buffer_, &answer_);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ReadHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response_headers_);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!options_.basic_auth_user.empty()) {
      detail::SetBasicAuth(c, options_.basic_auth_user, options_.basic_auth_password);
    }
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.cert_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, options_.cert_file.c_str());
    }
    if (!options_.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, options_.key_file.c_str());
    if (options_.insecure_skip_verify) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return Status::Ok();
  }

  void Append(const std::string& header) {
    curl_slist* list = curl_slist_append(headers_.get(), header.c_str());
    if (list == nullptr) return;
    static_cast<void>(headers_.release());
    headers_.reset(list);
  }

  // One POST of body_, bounded by what is left until `deadline`.
  Attempt Send(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    CURL* c = curl_.get();
    answer_.clear();
    response_headers_ = {};
    error_buffer_[0] = '\0';
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<std::int64_t>(1, left.count())));

    Attempt attempt;
    const std::string to = "remote write to " + remote_;
    if (const CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
      // Refused, reset or timed out: the receiver may be back soon; a
      // certificate it does not trust stays untrusted.
      attempt.retryable = Transient(rc);
      attempt.error = to + " failed: " + detail::TransportError(rc, error_buffer_);
      return attempt;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    attempt.answered = true;
    if (status >= 200 && status < 300) {
      attempt.delivered = options_.protocol_version == 1 || response_headers_.confirmed;
      if (!attempt.delivered) {
        attempt.error = to + ": status " + std::to_string(status) +
                        " without X-Prometheus-Remote-Write-Samples-Written: the receiver does not "
                        "speak Remote-Write 2.0 and stored nothing (use protocol_version 1)";
      }
      return attempt;
    }
    // 5xx and 429 may pass; any other answer would be the same next time.
    attempt.retryable = status >= 500 || status == 429;
    attempt.retry_after = response_headers_.retry_after;
    attempt.error =
        to + ": unexpected status code " + std::to_string(status) + detail::AnswerSuffix(answer_);
    if (status == 415 && options_.protocol_version == 2) {
      attempt.error.append(" (the receiver may only take protocol_version 1)");
    }
    return attempt;
  }

  const std::shared_ptr<MetricsRegistry> registry_;
  const RemoteWriteOptions options_;
  std::string remote_;  // the url without user:password@, for metrics and messages
  Status error_;
  std::optional<Counter> sent_, failed_, retries_;

  // Guards everything below up to mu_: one write at a time.
  std::mutex write_mu_;
  detail::WriteContext context_;
  detail::EncodedWrite encoded_;  // kept: its memory is reused by the next write
  std::string body_;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl_{nullptr, curl_easy_cleanup};
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_{nullptr,
                                                                       curl_slist_free_all};
  std::string answer_;
  ResponseHeaders response_headers_;
  char error_buffer_[CURL_ERROR_SIZE] = {};

  // Serialises Start() and Stop(), which own thread_.
  std::mutex lifecycle_mu_;
  std::thread thread_;
  // Guards stopping_, which ends the thread's waits and a retry's back-off.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

RemoteWriter::RemoteWriter(std::shared_ptr<MetricsRegistry> registry, RemoteWriteOptions options)
    : impl_(std::make_unique<Impl>(std::move(registry), std::move(options))) {}

RemoteWriter::~RemoteWriter() = default;

Status RemoteWriter::Write() { return impl_->Write(); }

Status RemoteWriter::Start(std::chrono::milliseconds interval) { return impl_->Start(interval); }

void RemoteWriter::Stop() { impl_->Stop(); }

Status RemoteWriter::Error() const { return impl_->Error(); }

}  // namespace semstreams::metric
