#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace semstreams::metric::detail {

/// \brief HTTP basic auth against bcrypt hashes, as exporter-toolkit does it:
/// hashes checked with the system's libcrypt, one bcrypt at a time, and every
/// outcome cached by user, hash and password so that a scraper pays for
/// bcrypt once, not on every scrape. Thread-safe.
class BasicAuth {
 public:
  /// \brief `users`: name to bcrypt hash; empty admits every request.
  explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

  /// \brief True when no users are configured.
  bool Open() const { return users_.empty(); }

  /// \brief True when `authorization` (the request's Authorization header,
  /// empty when absent) names a configured user with the right password. May
  /// run bcrypt: keep it off threads that must stay responsive.
  bool Allows(std::string_view authorization);

  /// \brief Allows' answer when it needs no bcrypt (no users, a malformed
  /// header, or an outcome in the cache); nullopt otherwise.
  std::optional<bool> Quick(std::string_view authorization);

 private:
  struct Attempt {
    bool known = false;  // the user exists
    std::string hash;    // the user's, or the decoy's
    std::string password;
    std::string key;  // cache key; empty if it could not be made
  };
  // nullopt when the header is malformed (denied without bcrypt).
  std::optional<Attempt> Parse(std::string_view authorization) const;
  std::optional<bool> Cached(const Attempt& attempt);
  bool Verify(const std::string& password, const std::string& hash);

  const std::map<std::string, std::string> users_;
  std::mutex bcrypt_mu_;  // bcrypt is slow on purpose: one at a time
  std::mutex cache_mu_;
  std::unordered_map<std::string, bool> cache_;  // digest of user, hash, password
};

/// \brief Decodes standard base64 (with padding); false on malformed input.
bool DecodeBase64(std::string_view in, std::string& out);

}  // namespace semstreams::metric::detail
