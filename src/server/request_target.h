#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// \brief The path a request target names, percent-decoded and without its
/// query: origin form ("/metrics?x") or absolute form
/// ("http://host:9090/metrics", which proxies send and RFC 9112 requires
/// servers to accept). nullopt for anything else ("*" included) or a
/// malformed escape.
std::optional<std::string> RequestPath(std::string_view target);

}  // namespace semstreams::metric::detail
