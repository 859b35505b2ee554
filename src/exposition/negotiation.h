#pragma once

#include <string_view>

namespace semstreams::metric::detail {

/// The formats /metrics can answer in.
enum class ExpositionFormat {
  kText,               // text/plain; version=0.0.4
  kOpenMetrics1_0_0,   // application/openmetrics-text; version=1.0.0
  kOpenMetrics0_0_1,   // application/openmetrics-text; version=0.0.1
  kProtobufDelimited,  // length-delimited io.prometheus.client.MetricFamily
};

/// Which formats the server offers besides text.
struct NegotiationOptions {
  bool openmetrics = true;
  /// Only set where a protobuf writer exists.
  bool protobuf = false;
};

/// The format for an Accept header, by client_golang's
/// expfmt.NegotiateIncludingOpenMetrics: clauses by falling q (more specific
/// first among equals), the first one offered wins, text when none is.
/// Clauses with q=0 are refusals and skipped.
ExpositionFormat Negotiate(std::string_view accept, const NegotiationOptions& options);

/// The Content-Type header value of `format`.
const char* ContentType(ExpositionFormat format);

}  // namespace semstreams::metric::detail
