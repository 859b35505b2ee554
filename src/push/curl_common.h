#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// A receiver's error page is for a human reading the Status, not for storage.
inline constexpr std::size_t kMaxBodyInMessage = 1024;

/// curl_global_init, once: libcurl wants it before the first handle.
void InitCurlOnce();

/// A CURLOPT_WRITEFUNCTION appending to the std::string at `out` up to
/// kMaxBodyInMessage bytes; later bytes are read and dropped.
std::size_t AppendBoundedBody(char* data, std::size_t size, std::size_t count, void* out);

/// What every request of the library sets: no signals, libcurl's error text
/// into `error_buffer` (CURL_ERROR_SIZE bytes), and the start of the answer
/// into `answer`. Both must outlive the handle's transfers.
void SetCommonOptions(CURL* curl, char* error_buffer, std::string* answer);

/// HTTP basic auth with these credentials, kept alive by the caller.
void SetBasicAuth(CURL* curl, const std::string& user, const std::string& password);

/// Why a transfer failed: libcurl's text for `rc`, then its error buffer's detail.
std::string TransportError(CURLcode rc, const char* error_buffer);

/// What an error message shows of a receiver's answer: ": <answer>" without
/// trailing line breaks, or "" for none.
std::string AnswerSuffix(std::string_view answer);

}  // namespace semstreams::metric::detail
