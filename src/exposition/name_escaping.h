#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exposition/negotiation.h"
#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// prometheus/common's EscapeName: `name` as a scraper that does not allow
/// UTF-8 names gets it under `scheme` (unchanged under kAllowUtf8).
std::string EscapeName(std::string_view name, NameEscaping scheme);

/// Escapes, under `scheme`, every family name and label name that is not a
/// legacy name ([a-zA-Z_:][a-zA-Z0-9_:]*), as prometheus/common's
/// EscapeMetricFamily does; legacy names stay as they are.
void EscapeNames(std::vector<Family>& families, NameEscaping scheme);

}  // namespace semstreams::metric::detail
