#include "semstreams/metric/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace semstreams::metric {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void AppendDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
  }
}

void AppendUint(std::uint64_t v, std::string& out) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if the bytes
// there are not one (overlong forms, surrogates and code points past
// U+10FFFF included), per RFC 3629.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Escapes backslash and newline, plus the double quote when `quote` is set
// (label values are quoted, help texts are not). Bytes that are not UTF-8
// become U+FFFD: Prometheus rejects a whole scrape over one invalid value.
void AppendEscaped(std::string_view text, bool quote, std::string& out) {
  std::size_t clean_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* replacement = nullptr;
    if (static_cast<unsigned char>(c) >= 0x80) {
      const std::size_t length = Utf8SequenceLength(text, i);
      if (length != 0) {
        i += length - 1;
        continue;
      }
      replacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    } else if (c == '\\') {
      replacement = "\\\\";
    } else if (c == '\n') {
      replacement = "\\n";
    } else if (quote && c == '"') {
      replacement = "\\\"";
    } else {
      continue;
    }
    out.append(text.data() + clean_from, i - clean_from);
    out += replacement;
    clean_from = i + 1;
  }
  out.append(text.data() + clean_from, text.size() - clean_from);
}

// Writes `name{labels[,extra_name="extra_value"]} ` ready for the value.
void AppendSeriesStart(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                       std::string_view extra_name, std::string_view extra_value,
                       std::string& out) {
  out.append(name).append(suffix);
  if (!metric.label.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : metric.label) {
      if (!first) out += ',';
      first = false;
      out.append(label.name).append("=\"");
      AppendEscaped(label.value, /*quote=*/true, out);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out.append(extra_name).append("=\"").append(extra_value).append("\"");
    }
    out += '}';
  }
  out += ' ';
}

void AppendLineEnd(const ClientMetric& metric, std::string& out) {
  if (metric.timestamp_ms != 0) {
    out += ' ';
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, metric.timestamp_ms);
    out.append(buffer, result.ptr);
  }
  out += '\n';
}

void AppendSample(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                  double value, std::string& out) {
  AppendSeriesStart(name, suffix, metric, {}, {}, out);
  AppendDouble(value, out);
  AppendLineEnd(metric, out);
}

void AppendCount(std::string_view name, std::string_view suffix, const ClientMetric& metric,
                 std::uint64_t count, std::string& out) {
  AppendSeriesStart(name, suffix, metric, {}, {}, out);
  AppendUint(count, out);
  AppendLineEnd(metric, out);
}

void AppendHistogram(std::string_view name, const ClientMetric& metric, std::string& out) {
  std::string bound;
  for (const auto& bucket : metric.histogram.bucket) {
    bound.clear();
    AppendDouble(bucket.upper_bound, bound);
    AppendSeriesStart(name, "_bucket", metric, "le", bound, out);
    AppendUint(bucket.cumulative_count, out);
    AppendLineEnd(metric, out);
  }
  AppendSample(name, "_sum", metric, metric.histogram.sample_sum, out);
  AppendCount(name, "_count", metric, metric.histogram.sample_count, out);
}

void AppendSummary(std::string_view name, const ClientMetric& metric, std::string& out) {
  std::string quantile;
  for (const auto& q : metric.summary.quantile) {
    quantile.clear();
    AppendDouble(q.quantile, quantile);
    AppendSeriesStart(name, "", metric, "quantile", quantile, out);
    AppendDouble(q.value, out);
    AppendLineEnd(metric, out);
  }
  AppendSample(name, "_sum", metric, metric.summary.sample_sum, out);
  AppendCount(name, "_count", metric, metric.summary.sample_count, out);
}

// prometheus-cpp 1.2+ has a sixth type, Info (Debian's 1.0.1 has not); like
// prometheus-cpp's own serializer, it is written as a gauge named <name>_info.
template <typename Metric>
void AppendInfo(std::string_view name, const Metric& metric, std::string& out) {
  if constexpr (requires { metric.info.value; }) {
    AppendSample(name, "_info", metric, metric.info.value, out);
  }
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
    default:  // Info
      return "gauge";
  }
  return "untyped";
}

void AppendFamily(const MetricFamily& family, std::string& out) {
  out.append("# HELP ").append(family.name).append(" ");
  AppendEscaped(family.help, /*quote=*/false, out);
  out.append("\n# TYPE ").append(family.name).append(" ").append(TypeName(family.type));
  out += '\n';
  for (const auto& metric : family.metric) {
    switch (family.type) {
      case MetricType::Counter:
        AppendSample(family.name, "", metric, metric.counter.value, out);
        break;
      case MetricType::Gauge:
        AppendSample(family.name, "", metric, metric.gauge.value, out);
        break;
      case MetricType::Histogram:
        AppendHistogram(family.name, metric, out);
        break;
      case MetricType::Summary:
        AppendSummary(family.name, metric, out);
        break;
      case MetricType::Untyped:
        AppendSample(family.name, "", metric, metric.untyped.value, out);
        break;
      default:
        AppendInfo(family.name, metric, out);
        break;
    }
  }
}

}  // namespace

void AppendTextExposition(const std::vector<MetricFamily>& families, std::string& out) {
  for (const auto& family : families) AppendFamily(family, out);
}

std::string TextExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  AppendTextExposition(families, out);
  return out;
}

}  // namespace semstreams::metric
