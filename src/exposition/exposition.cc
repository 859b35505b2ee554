#include "exposition/exposition.h"

#include "detail/snapshot_access.h"
#include "exposition/gzip.h"
#include "exposition/openmetrics_format.h"
#include "exposition/protobuf_format.h"
#include "semstreams/metric/text_format.h"

namespace semstreams::metric::detail {

Exposition Expose(const MetricsRegistry& registry, std::string_view accept,
                  std::string_view accept_encoding, const ExpositionOptions& options) {
  const ExpositionFormat format = Negotiate(accept, options.negotiation);
  Exposition result{ContentType(format), {}, false};
  switch (format) {
    case ExpositionFormat::kOpenMetrics1_0_0:
    case ExpositionFormat::kOpenMetrics0_0_1:
      AppendOpenMetrics(SnapshotAccess::Take(registry), options.openmetrics, result.body);
      break;
    case ExpositionFormat::kProtobufDelimited:
      AppendProtobuf(SnapshotAccess::Take(registry), result.body);
      break;
    case ExpositionFormat::kText:
      result.content_type = ContentType(ExpositionFormat::kText);
      AppendTextExposition(SnapshotAccess::Take(registry), result.body);
      break;
  }
  if (!accept_encoding.empty() && AcceptsGzip(accept_encoding)) {
    if (auto compressed = Gzip(result.body)) {
      result.body = std::move(*compressed);
      result.gzipped = true;
    }
  }
  return result;
}

}  // namespace semstreams::metric::detail
