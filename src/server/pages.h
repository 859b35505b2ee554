#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// \brief The /health body: {"status":"healthy","timestamp":"<RFC 3339 UTC>"}.
std::string HealthBody(std::chrono::system_clock::time_point now);

/// \brief The time as RFC 3339 in UTC with whole seconds, e.g. "2024-01-15T10:30:00Z".
std::string Rfc3339Utc(std::chrono::system_clock::time_point time);

/// \brief The HTML index page, linking `metrics_path` and /health.
std::string IndexPage(std::string_view metrics_path);

}  // namespace semstreams::metric::detail
