#include "exposition/exposition.h"

#include "detail/snapshot_access.h"
#include "exposition/gzip.h"
#include "exposition/name_escaping.h"
#include "exposition/openmetrics_format.h"
#include "exposition/protobuf_format.h"
#include "exposition/text_writer.h"

namespace semstreams::metric::detail {

Exposition Expose(const MetricsRegistry& registry, std::string_view accept,
                  std::string_view accept_encoding, const ExpositionOptions& options) {
  const Negotiated negotiated = NegotiateWithEscaping(accept, options.negotiation);
  Exposition result{ContentType(negotiated.format, negotiated.escaping), {}, false};
  bool utf8_names = false;
  RegistrySnapshot snapshot = SnapshotAccess::Take(registry, &utf8_names);
  // Names a scraper cannot take are escaped by its scheme; one that allows
  // UTF-8 gets them quoted in the text formats, as they are in protobuf.
  if (utf8_names) EscapeNames(snapshot, negotiated.escaping);
  const bool quote_names = utf8_names && negotiated.escaping == NameEscaping::kAllowUtf8;
  switch (negotiated.format) {
    case ExpositionFormat::kOpenMetrics1_0_0:
    case ExpositionFormat::kOpenMetrics0_0_1:
      AppendOpenMetrics(snapshot, options.openmetrics, quote_names, result.body);
      break;
    case ExpositionFormat::kProtobufDelimited:
      AppendProtobuf(snapshot, result.body);
      break;
    case ExpositionFormat::kText:
      AppendText(snapshot, quote_names, result.body);
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
