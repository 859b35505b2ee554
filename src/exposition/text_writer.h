#pragma once

#include <string>
#include <vector>

#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// Appends the text 0.0.4 exposition of `families`; with `quote_names`,
/// names that are not legacy names are quoted (UTF-8 names, for scrapers
/// that allow them). The public TextExposition decides that by looking.
void AppendText(const std::vector<Family>& families, bool quote_names, std::string& out);

}  // namespace semstreams::metric::detail
