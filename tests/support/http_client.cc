#include "support/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace semstreams::metric::testing {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;  // status line or blank
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  (*headers)[name] = value;
  return size * count;
}

long MaxTls(const std::string& version) {
  const long floor = CURL_SSLVERSION_TLSv1_0;
  if (version == "1.1") return floor | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_1);
  if (version == "1.2") return floor | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2);
  if (version == "1.3") return floor | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_3);
  return CURL_SSLVERSION_DEFAULT;
}

}  // namespace

HttpResponse HttpGet(const std::string& url, const HttpRequestOptions& options) {
  InitCurlOnce();
  HttpResponse response;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    response.error = "curl_easy_init failed";
    return response;
  }
  curl_slist* header_list = nullptr;
  for (const auto& header : options.headers)
    header_list = curl_slist_append(header_list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(header_list,
                                                                      curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  if (options.accept_gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (options.raw_body) curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.client_cert.empty())
    curl_easy_setopt(c, CURLOPT_SSLCERT, options.client_cert.c_str());
  if (!options.client_key.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, options.client_key.c_str());
  curl_easy_setopt(c, CURLOPT_SSLVERSION, MaxTls(options.max_tls));

  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    response.error =
        std::string(curl_easy_strerror(code)) + (error[0] ? std::string(": ") + error : "");
    return response;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (auto it = response.headers.find("content-type"); it != response.headers.end()) {
    response.content_type = it->second;
  }
  if (auto it = response.headers.find("content-encoding"); it != response.headers.end()) {
    response.content_encoding = it->second;
  }
  return response;
}

}  // namespace semstreams::metric::testing
