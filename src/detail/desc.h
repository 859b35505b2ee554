#pragma once

#include <memory>
#include <string>
#include <vector>

#include "semstreams/metric/detail/collector.h"

namespace semstreams::metric::detail {

/// Builds a descriptor and validates it; never throws for a bad definition,
/// because Go's New* do not either: the error surfaces at registration.
std::shared_ptr<const Desc> MakeDesc(Kind kind, const std::string& ns, const std::string& subsystem,
                                     const std::string& name, std::string help,
                                     prometheus::Labels const_labels,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets = {},
                                     std::shared_ptr<const NativeHistogramConfig> native = {});

/// The family a Desc defines, without series: name, help and type.
Family Header(const Desc& desc);

}  // namespace semstreams::metric::detail
