#pragma once

#include <string>
#include <string_view>

#include "exposition/negotiation.h"
#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"

namespace semstreams::metric::detail {

/// What the server's /metrics answers with, besides the transport.
struct ExpositionOptions {
  NegotiationOptions negotiation;
  OpenMetricsOptions openmetrics;
};

/// A rendered scrape.
struct Exposition {
  std::string content_type;
  std::string body;
  bool gzipped = false;  // send Content-Encoding: gzip
};

/// Renders `registry` in the format `accept` asks for (see Negotiate),
/// gzipped when `accept_encoding` admits it. Either header may be empty.
Exposition Expose(const MetricsRegistry& registry, std::string_view accept,
                  std::string_view accept_encoding, const ExpositionOptions& options);

}  // namespace semstreams::metric::detail
