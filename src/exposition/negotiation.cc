#include "exposition/negotiation.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/trim.h"

namespace semstreams::metric::detail {
namespace {

constexpr std::string_view kProtoType = "application/vnd.google.protobuf";
constexpr std::string_view kProtoProtocol = "io.prometheus.client.MetricFamily";
constexpr std::string_view kOpenMetricsType = "application/openmetrics-text";

// goautoneg trims spaces only, not tabs.
constexpr std::string_view kSpace = " ";

// One media range of an Accept header, as goautoneg parses it.
struct Clause {
  std::string_view type, subtype;
  double q = 1;
  std::vector<std::pair<std::string_view, std::string_view>> params;

  std::string_view Param(std::string_view name) const {
    for (const auto& [key, value] : params) {
      if (key == name) return value;
    }
    return {};
  }
};

// Splits `s` at each `separator`, calling f on every piece.
template <class F>
void Split(std::string_view s, char separator, F&& f) {
  while (true) {
    const std::size_t at = s.find(separator);
    f(s.substr(0, at));
    if (at == std::string_view::npos) return;
    s.remove_prefix(at + 1);
  }
}

double ParseQ(std::string_view text) {
  const std::string copy(Trim(text, kSpace));
  char* end = nullptr;
  const double q = std::strtod(copy.c_str(), &end);
  // goautoneg keeps 0 for a q it cannot parse; NaN would break the sort.
  return end == copy.c_str() + copy.size() && !copy.empty() && q == q ? q : 0;
}

std::vector<Clause> ParseAccept(std::string_view header) {
  std::vector<Clause> clauses;
  Split(header, ',', [&](std::string_view part) {
    part = Trim(part, kSpace);
    Clause clause;
    bool first = true, valid = true;
    Split(part, ';', [&](std::string_view piece) {
      if (first) {
        first = false;
        const std::size_t slash = piece.find('/');
        clause.type = Trim(piece.substr(0, slash), kSpace);
        if (slash == std::string_view::npos) {
          if (clause.type == "*") {
            clause.subtype = "*";
          } else {
            valid = false;
          }
        } else {
          const std::string_view rest = piece.substr(slash + 1);
          if (rest.find('/') != std::string_view::npos) valid = false;
          clause.subtype = Trim(rest, kSpace);
        }
        return;
      }
      const std::size_t equals = piece.find('=');
      if (equals == std::string_view::npos) return;
      const std::string_view key = Trim(piece.substr(0, equals), kSpace);
      const std::string_view value = piece.substr(equals + 1);
      if (key == "q") {
        clause.q = ParseQ(value);
      } else {
        clause.params.emplace_back(key, Trim(value, kSpace));
      }
    });
    if (valid) clauses.push_back(std::move(clause));
  });
  // Falling q; among equals a concrete type before a wildcard, else the
  // header's order (goautoneg's sort is not stable; ties are rare).
  std::stable_sort(clauses.begin(), clauses.end(), [](const Clause& a, const Clause& b) {
    if (a.q != b.q) return a.q > b.q;
    if ((a.type == "*") != (b.type == "*")) return b.type == "*";
    return a.subtype != "*" && b.subtype == "*";
  });
  return clauses;
}

bool Is(const Clause& clause, std::string_view media_type) {
  const std::size_t slash = media_type.find('/');
  return clause.type == media_type.substr(0, slash) &&
         clause.subtype == media_type.substr(slash + 1);
}

// The `escaping` parameter's scheme, if it names one.
std::optional<NameEscaping> EscapingOf(const Clause& clause) {
  const std::string_view value = clause.Param("escaping");
  for (NameEscaping escaping : {NameEscaping::kAllowUtf8, NameEscaping::kUnderscores,
                                NameEscaping::kDots, NameEscaping::kValues}) {
    if (value == EscapingName(escaping)) return escaping;
  }
  return std::nullopt;  // absent or unknown: ignored
}

}  // namespace

const char* EscapingName(NameEscaping escaping) {
  switch (escaping) {
    case NameEscaping::kAllowUtf8:
      return "allow-utf-8";
    case NameEscaping::kDots:
      return "dots";
    case NameEscaping::kValues:
      return "values";
    case NameEscaping::kUnderscores:
      break;
  }
  return "underscores";
}

Negotiated NegotiateWithEscaping(std::string_view accept, const NegotiationOptions& options) {
  Negotiated result;
  for (const Clause& clause : ParseAccept(accept)) {
    if (!(clause.q > 0)) break;  // sorted: everything after is refused too
    if (auto escaping = EscapingOf(clause)) result.escaping = *escaping;
    const std::string_view version = clause.Param("version");
    if (options.protobuf && Is(clause, kProtoType) && clause.Param("proto") == kProtoProtocol &&
        clause.Param("encoding") == "delimited") {
      result.format = ExpositionFormat::kProtobufDelimited;
      return result;
    }
    if (Is(clause, "text/plain") && (version == "0.0.4" || version.empty())) {
      result.format = ExpositionFormat::kText;
      return result;
    }
    if (options.openmetrics && Is(clause, kOpenMetricsType)) {
      if (version == "1.0.0") {
        result.format = ExpositionFormat::kOpenMetrics1_0_0;
        return result;
      }
      if (version == "0.0.1" || version.empty()) {
        result.format = ExpositionFormat::kOpenMetrics0_0_1;
        return result;
      }
    }
  }
  result.format = ExpositionFormat::kText;
  return result;
}

ExpositionFormat Negotiate(std::string_view accept, const NegotiationOptions& options) {
  return NegotiateWithEscaping(accept, options).format;
}

std::string ContentType(ExpositionFormat format, NameEscaping escaping) {
  return std::string(ContentType(format)) + "; escaping=" + EscapingName(escaping);
}

const char* ContentType(ExpositionFormat format) {
  switch (format) {
    case ExpositionFormat::kOpenMetrics1_0_0:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case ExpositionFormat::kOpenMetrics0_0_1:
      return "application/openmetrics-text; version=0.0.1; charset=utf-8";
    case ExpositionFormat::kProtobufDelimited:
      return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
             "encoding=delimited";
    case ExpositionFormat::kText:
      break;
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

}  // namespace semstreams::metric::detail
