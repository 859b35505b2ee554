#include <curl/curl.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <string_view>

#include "detail/names.h"
#include "detail/prometheus_model.h"
#include "detail/snapshot_access.h"
#include "exposition/name_escaping.h"
#include "prometheus/metric_family.h"
#include "push/curl_common.h"
#include "semstreams/metric/push.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"

namespace semstreams::metric {
namespace {

// RFC 4648 section 5 without padding: Go's base64.RawURLEncoding, which the
// gateway expects after "@base64".
std::string Base64Url(std::string_view in) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16U |
                       static_cast<unsigned char>(in[i + 1]) << 8U |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[n >> 18U & 63U];
    out += kAlphabet[n >> 12U & 63U];
    out += kAlphabet[n >> 6U & 63U];
    out += kAlphabet[n & 63U];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16U;
    if (rest == 2) n |= static_cast<unsigned char>(in[i + 1]) << 8U;
    out += kAlphabet[n >> 18U & 63U];
    out += kAlphabet[n >> 12U & 63U];
    if (rest == 2) out += kAlphabet[n >> 6U & 63U];
  }
  return out;
}

// Percent-encodes all but RFC 3986's unreserved characters. client_golang
// uses url.QueryEscape, whose "+" for a space the gateway keeps as a literal
// "+" in a path; "%20" reads back as the space it was.
std::string PathEscape(std::string_view in) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 15U];
    }
  }
  return out;
}

// One "/name/value" step of the group's path, as client_golang's fullURL
// writes it: a value with "/" (which no escaping gets past the gateway's
// router) or an empty one (an empty path segment) goes base64-encoded.
void AppendLabel(std::string& path, std::string_view name, std::string_view value) {
  path += '/';
  path += name;
  if (value.empty()) {
    path += "@base64/=";
  } else if (value.find('/') != std::string_view::npos) {
    path += "@base64/";
    path += Base64Url(value);
  } else {
    path += '/';
    path += PathEscape(value);
  }
}

// What a gatherer holds, in the library's model: a MetricsRegistry's own
// snapshot (exemplars and units included), any other Collectable converted.
std::vector<Family> FamiliesOf(const prometheus::Collectable& gatherer) {
  if (const auto* registry = dynamic_cast<const MetricsRegistry*>(&gatherer)) {
    return detail::SnapshotAccess::Take(*registry);
  }
  std::vector<Family> families;
  for (prometheus::MetricFamily& family : gatherer.Collect()) {
    families.push_back(detail::FromPrometheus(std::move(family)));
  }
  return families;
}

// Merges the families of every gatherer by name, as Go's prometheus.Gatherers
// does, refusing what the gateway would reject or silently rewrite.
Status GatherAll(const std::vector<std::shared_ptr<const prometheus::Collectable>>& gatherers,
                 const std::vector<std::pair<std::string, std::string>>& grouping,
                 std::vector<Family>& out) {
  std::map<std::string, Family> by_name;
  for (const auto& gatherer : gatherers) {
    for (Family& family : FamiliesOf(*gatherer)) {
      for (const Series& series : family.series) {
        for (const Label& label : series.labels) {
          const bool grouping_label =
              std::any_of(grouping.begin(), grouping.end(),
                          [&](const auto& g) { return g.first == label.name; });
          if (label.name == "job" || grouping_label) {
            return Status(ErrorCode::kInvalidArgument,
                          "pushed metric " + family.name + " already contains the " +
                              (label.name == "job" ? "job label" : "grouping label ") +
                              (label.name == "job" ? "" : label.name));
          }
        }
      }
      auto [it, inserted] = by_name.try_emplace(family.name);
      if (inserted) {
        it->second = std::move(family);
        continue;
      }
      if (it->second.type != family.type || it->second.help != family.help) {
        return Status(ErrorCode::kInvalidArgument,
                      "gatherers disagree on the type or help of metric family " + family.name);
      }
      std::move(family.series.begin(), family.series.end(), std::back_inserter(it->second.series));
    }
  }
  out.clear();
  out.reserve(by_name.size());
  for (auto& entry : by_name) out.push_back(std::move(entry.second));
  return Status::Ok();
}

}  // namespace

Pusher::Pusher(std::string url, std::string job) : url_(std::move(url)), job_(std::move(job)) {
  if (url_.find("://") == std::string::npos) url_ = "http://" + url_;
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  if (job_.empty()) error_ = Status(ErrorCode::kInvalidArgument, "job name is empty");
}

Pusher& Pusher::Grouping(std::string name, std::string value) {
  if (!error_.ok()) return *this;
  if (!detail::IsValidLabelName(name)) {
    error_ = Status(ErrorCode::kInvalidArgument, "grouping label has invalid name: \"" + name +
                                                     "\" (want [a-zA-Z_][a-zA-Z0-9_]*)");
    return *this;
  }
  if (name == "job") {
    error_ = Status(ErrorCode::kInvalidArgument,
                    "grouping label \"job\" is the pusher's job; pass it to the constructor");
    return *this;
  }
  for (auto& [existing, existing_value] : grouping_) {
    if (existing == name) {
      existing_value = std::move(value);
      return *this;
    }
  }
  grouping_.emplace_back(std::move(name), std::move(value));
  return *this;
}

Pusher& Pusher::BasicAuth(std::string user, std::string password) {
  basic_auth_ = true;
  user_ = std::move(user);
  password_ = std::move(password);
  return *this;
}

Pusher& Pusher::Gatherer(std::shared_ptr<const prometheus::Collectable> gatherer) {
  if (!gatherer) {
    if (error_.ok()) error_ = Status(ErrorCode::kInvalidArgument, "gatherer is null");
    return *this;
  }
  gatherers_.push_back(std::move(gatherer));
  return *this;
}

Pusher& Pusher::Timeout(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    if (error_.ok()) {
      error_ = Status(ErrorCode::kInvalidArgument, "push timeout must be positive, got " +
                                                       std::to_string(timeout.count()) + " ms");
    }
    return *this;
  }
  timeout_ = timeout;
  return *this;
}

std::string Pusher::GroupUrl() const {
  std::string url = url_ + "/metrics";
  AppendLabel(url, "job", job_);
  for (const auto& [name, value] : grouping_) AppendLabel(url, name, value);
  return url;
}

Status Pusher::Push() const { return Send("PUT", true); }

Status Pusher::Add() const { return Send("POST", true); }

Status Pusher::Delete() const { return Send("DELETE", false); }

Status Pusher::Send(const char* method, bool with_body) const {
  if (!error_.ok()) return error_;
  std::string body;
  if (with_body) {
    std::vector<Family> families;
    if (Status s = GatherAll(gatherers_, grouping_, families); !s.ok()) return s;
    // The Pushgateway takes legacy names only: UTF-8 ones go escaped.
    detail::EscapeNames(families, detail::NameEscaping::kUnderscores);
    body = TextExposition(families);
  }

  detail::InitCurlOnce();
  const std::string url = GroupUrl();
  const std::string verb = with_body ? "pushing to " : "deleting ";
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status(ErrorCode::kPushFailed, verb + url + ": curl_easy_init failed");
  curl_slist* header_list = nullptr;
  if (with_body) {
    header_list =
        curl_slist_append(header_list, (std::string("Content-Type: ") + kTextContentType).c_str());
  }
  // libcurl would otherwise wait a second for "100 Continue" on large bodies.
  header_list = curl_slist_append(header_list, "Expect:");
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(header_list,
                                                                            curl_slist_free_all);
  std::string answer;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  detail::SetCommonOptions(c, error, &answer);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (with_body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (basic_auth_) detail::SetBasicAuth(c, user_, password_);

  if (const CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
    return Status(ErrorCode::kPushFailed,
                  verb + url + " failed: " + detail::TransportError(rc, error));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  // Depending on its version and configuration the gateway answers a push
  // with 200 or 202; a delete with 202.
  const bool accepted = with_body ? (status == 200 || status == 202) : status == 202;
  if (!accepted) {
    return Status(ErrorCode::kPushFailed, "unexpected status code " + std::to_string(status) +
                                              " while " + verb + url +
                                              detail::AnswerSuffix(answer));
  }
  return Status::Ok();
}

}  // namespace semstreams::metric
