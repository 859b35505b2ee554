#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace semstreams::metric {

/// \brief The labels of an exemplar, e.g. {{"trace_id", id}}: at most 128
/// UTF-8 characters of names and values together, names like label names.
using ExemplarLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

}  // namespace semstreams::metric
