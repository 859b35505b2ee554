#pragma once

/// \file
/// \brief Everything in semstreams-metric, for users who want one include.

#include "semstreams/metric/collector.h"           // IWYU pragma: export
#include "semstreams/metric/core_metrics.h"        // IWYU pragma: export
#include "semstreams/metric/counter.h"             // IWYU pragma: export
#include "semstreams/metric/exemplar.h"            // IWYU pragma: export
#include "semstreams/metric/family.h"              // IWYU pragma: export
#include "semstreams/metric/gauge.h"               // IWYU pragma: export
#include "semstreams/metric/histogram.h"           // IWYU pragma: export
#include "semstreams/metric/openmetrics_format.h"  // IWYU pragma: export
#include "semstreams/metric/opts.h"                // IWYU pragma: export
#include "semstreams/metric/process_collector.h"   // IWYU pragma: export
#include "semstreams/metric/push.h"                // IWYU pragma: export
#include "semstreams/metric/registrar.h"           // IWYU pragma: export
#include "semstreams/metric/registry.h"            // IWYU pragma: export
#include "semstreams/metric/remote_write.h"        // IWYU pragma: export
#include "semstreams/metric/scrape_handler.h"      // IWYU pragma: export
#include "semstreams/metric/server.h"              // IWYU pragma: export
#include "semstreams/metric/status.h"              // IWYU pragma: export
#include "semstreams/metric/vec.h"                 // IWYU pragma: export
#include "semstreams/metric/web_config.h"          // IWYU pragma: export
#include "semstreams/security/config.h"            // IWYU pragma: export
