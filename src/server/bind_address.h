#pragma once

#include <string>

#include "semstreams/metric/status.h"

namespace semstreams::metric::detail {

/// \brief kInvalidArgument unless `address` is empty, an IPv4 literal, a
/// bracketed IPv6 literal, or a host name; and `port` is 0..65535. A resolver
/// would read "999.1.1.1" as some other address, so it is refused here.
Status ValidateBindAddress(const std::string& address, int port);

/// \brief kInvalidArgument unless `path` is an absolute path without query,
/// fragment, spaces or control characters, other than "/" and "/health".
Status ValidateMetricsPath(const std::string& path);

}  // namespace semstreams::metric::detail
