#include "exposition/text_lines.h"

#include <charconv>

#include "detail/names.h"
#include "exposition/escape.h"

namespace semstreams::metric::detail {

const char* TypeName(MetricType type, TextFlavor flavor) {
  const bool openmetrics = flavor == TextFlavor::kOpenMetrics;
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return openmetrics ? "info" : "gauge";
    case MetricType::kUntyped:
      break;
  }
  return openmetrics ? "unknown" : "untyped";
}

void AppendName(std::string_view name, bool quote_names, std::string& out) {
  if (!quote_names || IsValidMetricName(name)) {
    out.append(name);
    return;
  }
  out += '"';
  AppendEscaped(name, /*quote=*/true, out);
  out += '"';
}

namespace {

// Once per label of every sample line: names that need no look go straight out.
inline void AppendLabel(const Label& label, bool quote_names, std::string& out) {
  if (quote_names) {
    AppendName(label.name, /*quote_names=*/true, out);
  } else {
    out.append(label.name);
  }
  out.append("=\"");
  AppendEscaped(label.value, /*quote=*/true, out);
  out += '"';
}

}  // namespace

void AppendLabels(const std::vector<Label>& labels, bool quote_names, std::string& out) {
  if (labels.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) out += ',';
    AppendLabel(labels[i], quote_names, out);
  }
  out += '}';
}

bool HasUtf8Names(const std::vector<Family>& families) {
  for (const Family& family : families) {
    if (!IsValidMetricName(family.name)) return true;
    for (const Series& series : family.series) {
      for (const Label& label : series.labels) {
        if (!IsValidMetricName(label.name)) return true;
      }
    }
  }
  return false;
}

void SampleWriter::Start(std::string_view suffix, std::string_view extra_name,
                         std::string_view extra_value) {
  // A name that must be quoted is written as the first thing in the braces.
  const bool quoted = quote_names_ && !IsValidMetricName(name_);
  if (quoted) {
    std::string full(name_);
    full.append(suffix);
    out_ += '{';
    AppendName(full, /*quote_names=*/true, out_);
  } else {
    out_.append(name_).append(suffix);
    if (series_.labels.empty() && extra_name.empty()) {
      out_ += ' ';
      return;
    }
    out_ += '{';
  }
  // Written here rather than through AppendLabels: this runs for every
  // sample line, and the call per label showed in the profile.
  bool first = !quoted;
  for (const Label& label : series_.labels) {
    if (!first) out_ += ',';
    first = false;
    AppendLabel(label, quote_names_, out_);
  }
  if (!extra_name.empty()) {
    if (!first) out_ += ',';
    out_.append(extra_name).append("=\"").append(extra_value).append("\"");
  }
  out_.append("} ");
}

void SampleWriter::Timestamp() {
  const std::int64_t ms = series_.timestamp_ms;
  if (ms == 0) return;
  out_ += ' ';
  if (flavor_ == TextFlavor::kPrometheus) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, ms);
    out_.append(buffer, result.ptr);
    return;
  }
  // OpenMetrics wants seconds.
  const std::int64_t seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const std::int64_t millis = ms - seconds * 1000;
  if (seconds < 0) out_ += '-';
  AppendUint(static_cast<std::uint64_t>(seconds < 0 ? -seconds : seconds), out_);
  out_ += '.';
  out_ += static_cast<char>('0' + millis / 100);
  out_ += static_cast<char>('0' + millis / 10 % 10);
  out_ += static_cast<char>('0' + millis % 10);
}

void SampleWriter::End(const std::optional<Exemplar>* exemplar) {
  Timestamp();
  if (exemplar != nullptr && exemplar->has_value() && flavor_ == TextFlavor::kOpenMetrics) {
    const Exemplar& e = **exemplar;
    out_.append(" # ");
    if (e.labels.empty()) out_.append("{}");
    AppendLabels(e.labels, /*quote_names=*/false, out_);
    out_ += ' ';
    AppendDouble(e.value, out_);
    out_ += ' ';
    AppendDouble(e.timestamp, out_);
  }
  out_ += '\n';
}

void SampleWriter::Value(std::string_view suffix, double value) {
  Start(suffix);
  AppendDouble(value, out_);
  End();
}

void SampleWriter::Count(std::string_view suffix, std::uint64_t count) {
  Start(suffix);
  AppendUint(count, out_);
  End();
}

}  // namespace semstreams::metric::detail
