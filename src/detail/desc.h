#pragma once

#include <memory>
#include <string>
#include <vector>

#include "semstreams/metric/detail/collector.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric::detail {

/// Builds a descriptor and validates it; never throws for a bad definition,
/// because Go's New* do not either: the error surfaces at registration.
/// `label_names` are a vector's variable labels (none for a plain metric).
std::shared_ptr<const Desc> MakeDesc(CounterOpts opts, std::vector<std::string> label_names = {});
std::shared_ptr<const Desc> MakeDesc(GaugeOpts opts, std::vector<std::string> label_names = {});
std::shared_ptr<const Desc> MakeDesc(HistogramOpts opts, std::vector<std::string> label_names = {});

/// The family a Desc defines, without series: name, help and type.
Family Header(const Desc& desc);

}  // namespace semstreams::metric::detail
