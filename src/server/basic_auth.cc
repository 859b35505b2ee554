#include "server/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "detail/http_text.h"

namespace semstreams::metric::detail {
namespace {

// Verified against for unknown users, so that the answer takes as long as for
// a known one and does not reveal which names exist (exporter-toolkit uses
// this very hash, of "fakepassword").
constexpr const char* kDecoyHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

// exporter-toolkit's cache size; on overflow part of it is dropped.
constexpr std::size_t kCacheEntries = 100;

// The cache key is a digest, so no password is kept in memory in the clear.
std::string CacheKey(const std::string& user, const std::string& hash,
                     const std::string& password) {
  std::string material;
  for (const std::string* part : {&user, &hash, &password}) {
    material += std::to_string(part->size());
    material += ':';
    material += *part;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(material.data(), material.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
      1) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool DecodeBase64(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0) return false;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=') : 0;
    if (pad == 1 && in[i + 2] == '=') return false;
    std::uint32_t bits = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + static_cast<std::size_t>(j)];
      int value = 0;
      if (j >= 4 - pad) {
        if (c != '=') return false;
      } else if ((value = Base64Value(c)) < 0) {
        return false;
      }
      bits = (bits << 6) | static_cast<std::uint32_t>(value);
    }
    out += static_cast<char>((bits >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(bits & 0xff);
  }
  return true;
}

bool BasicAuth::Verify(const std::string& password, const std::string& hash) {
  // crypt_data is about 32 KiB: too big for a worker's stack.
  auto data = std::make_unique<crypt_data>();
  std::lock_guard<std::mutex> lock(bcrypt_mu_);
  const char* result = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof *data);
  return result != nullptr && std::strlen(result) == hash.size() &&
         CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
}

std::optional<BasicAuth::Attempt> BasicAuth::Parse(std::string_view header) const {
  constexpr std::string_view kScheme = "Basic ";
  // The scheme is case-insensitive.
  if (header.size() <= kScheme.size() || !detail::StartsWithIgnoringCase(header, kScheme)) {
    return std::nullopt;
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  std::string decoded;
  if (!DecodeBase64(header, decoded)) return std::nullopt;
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string user = decoded.substr(0, colon);
  Attempt attempt;
  attempt.password = decoded.substr(colon + 1);
  const auto found = users_.find(user);
  attempt.known = found != users_.end();
  attempt.hash = attempt.known ? found->second : std::string(kDecoyHash);
  attempt.key = CacheKey(user, attempt.hash, attempt.password);
  return attempt;
}

std::optional<bool> BasicAuth::Cached(const Attempt& attempt) {
  if (attempt.key.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (auto hit = cache_.find(attempt.key); hit != cache_.end()) return hit->second;
  return std::nullopt;
}

std::optional<bool> BasicAuth::Quick(std::string_view authorization) {
  if (users_.empty()) return true;
  const std::optional<Attempt> attempt = Parse(authorization);
  if (!attempt.has_value()) return false;
  return Cached(*attempt);
}

bool BasicAuth::Allows(std::string_view authorization) {
  if (users_.empty()) return true;
  const std::optional<Attempt> attempt = Parse(authorization);
  if (!attempt.has_value()) return false;
  if (std::optional<bool> cached = Cached(*attempt)) return *cached;
  const bool ok = Verify(attempt->password, attempt->hash) && attempt->known;
  if (!attempt->key.empty()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (cache_.size() >= kCacheEntries) {
      // Drop about a tenth, as exporter-toolkit does, so a stream of wrong
      // passwords cannot make every lookup evict.
      for (std::size_t dropped = 0; dropped <= kCacheEntries / 10 && !cache_.empty(); ++dropped) {
        cache_.erase(cache_.begin());
      }
    }
    cache_[attempt->key] = ok;
  }
  return ok;
}

}  // namespace semstreams::metric::detail
