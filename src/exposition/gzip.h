#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// `data` as a gzip member (RFC 1952); nullopt if zlib fails.
std::optional<std::string> Gzip(std::string_view data);

/// True when an Accept-Encoding header value admits gzip (a "gzip" or "*"
/// coding whose q is not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace semstreams::metric::detail
