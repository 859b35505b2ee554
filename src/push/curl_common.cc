#include "push/curl_common.h"

#include <algorithm>
#include <mutex>

#include "detail/trim.h"

namespace semstreams::metric::detail {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t AppendBoundedBody(char* data, std::size_t size, std::size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  const std::size_t n = size * count;
  if (body->size() < kMaxBodyInMessage) {
    body->append(data, std::min(n, kMaxBodyInMessage - body->size()));
  }
  return n;
}

void SetCommonOptions(CURL* curl, char* error_buffer, std::string* answer) {
  // Without NOSIGNAL, libcurl's timeouts use SIGALRM, which is not thread-safe.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBoundedBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
}

void SetBasicAuth(CURL* curl, const std::string& user, const std::string& password) {
  curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
  curl_easy_setopt(curl, CURLOPT_USERNAME, user.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
}

std::string TransportError(CURLcode rc, const char* error_buffer) {
  std::string reason = curl_easy_strerror(rc);
  if (error_buffer[0] != '\0') reason.append(": ").append(error_buffer);
  return reason;
}

std::string AnswerSuffix(std::string_view answer) {
  const std::string_view trimmed = TrimEnd(answer, "\r\n ");
  return trimmed.empty() ? std::string() : ": " + std::string(trimmed);
}

}  // namespace semstreams::metric::detail
