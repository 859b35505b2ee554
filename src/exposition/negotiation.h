#pragma once

#include <string>
#include <string_view>

namespace semstreams::metric::detail {

/// The formats /metrics can answer in.
enum class ExpositionFormat {
  kText,               // text/plain; version=0.0.4
  kOpenMetrics1_0_0,   // application/openmetrics-text; version=1.0.0
  kOpenMetrics0_0_1,   // application/openmetrics-text; version=0.0.1
  kProtobufDelimited,  // length-delimited io.prometheus.client.MetricFamily
};

/// How names that are not [a-zA-Z_:][a-zA-Z0-9_:]* reach a scraper: as
/// they are (quoted in the text formats), or escaped by one of the schemes of
/// Prometheus's `escaping` Accept parameter.
enum class NameEscaping {
  kAllowUtf8,    // allow-utf-8
  kUnderscores,  // underscores: each other character becomes '_' (the default)
  kDots,         // dots: '.' -> "_dot_", '_' -> "__", others -> "__"
  kValues,       // values: "U__" then '_' -> "__", others as _<hex code point>_
};

/// The `escaping` parameter's value for `escaping`.
const char* EscapingName(NameEscaping escaping);

/// What a scrape is answered with.
struct Negotiated {
  ExpositionFormat format = ExpositionFormat::kText;
  NameEscaping escaping = NameEscaping::kUnderscores;
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

/// The format and the name escaping, as client_golang 1.23 (prometheus/common
/// 0.66) negotiates them: the escaping is the last valid `escaping`
/// parameter among the clauses up to the one that matched, `underscores`
/// when there is none.
Negotiated NegotiateWithEscaping(std::string_view accept, const NegotiationOptions& options);

/// The Content-Type header value of `format`.
const char* ContentType(ExpositionFormat format);

/// The Content-Type header value of `format` with `escaping` named, as
/// client_golang 1.23 writes it.
std::string ContentType(ExpositionFormat format, NameEscaping escaping);

}  // namespace semstreams::metric::detail
