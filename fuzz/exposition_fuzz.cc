// Label values and help text of any bytes through WithLabelValues and the text
// and OpenMetrics expositions (exemplars too): every series must stay on one
// line, and reading the escaped value back must give the input with invalid
// UTF-8 replaced by U+FFFD. The decoder and replacer here are written
// independently of the library's.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "semstreams/metric/openmetrics_format.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"

namespace {

using namespace semstreams::metric;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Replaces each maximal invalid subsequence... simplified: each byte that does
// not start a valid sequence becomes U+FFFD, as the library documents.
std::string ExpectedValue(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    const unsigned char b = static_cast<unsigned char>(in[i]);
    std::size_t n = b < 0x80           ? 1
                    : (b >> 5) == 0x6  ? 2
                    : (b >> 4) == 0xE  ? 3
                    : (b >> 3) == 0x1E ? 4
                                       : 0;
    bool ok = n != 0 && i + n <= in.size();
    std::uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; ok && k < n; ++k) {
      const unsigned char c = static_cast<unsigned char>(in[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (ok) {
      const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= min[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(in, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

// Reads a quoted, escaped label value starting after the opening quote.
std::string Unescape(const std::string& line, std::size_t& i) {
  std::string out;
  for (; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\') {
      ++i;
      Check(i < line.size());
      Check(line[i] == '\\' || line[i] == '"' || line[i] == 'n');
      out += line[i] == 'n' ? '\n' : line[i];
    } else {
      out += line[i];
    }
  }
  Check(i < line.size());
  ++i;
  return out;
}

// The line of `text` that starts with `prefix`.
std::string LineStarting(const std::string& text, const std::string& prefix) {
  const std::size_t start = text.find("\n" + prefix);
  Check(start != std::string::npos);
  return text.substr(start + 1, text.find('\n', start + 1) - start - 1);
}

// The label values in `line` from `i` (just after its '{'), unescaped.
std::vector<std::string> LabelValues(const std::string& line, std::size_t i) {
  std::vector<std::string> values;
  while (i < line.size() && line[i] != '}') {
    i = line.find("=\"", i);
    Check(i != std::string::npos);
    i += 2;
    values.push_back(Unescape(line, i));
    if (i < line.size() && line[i] == ',') ++i;
  }
  return values;
}

// Characters of valid UTF-8.
std::size_t Chars(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The same bytes in OpenMetrics: series values and exemplar labels read back
// as the input with U+FFFD for invalid UTF-8; one # EOF, last. An exemplar
// whose value is not UTF-8 or too long is dropped, never written broken.
// Where the label set opening at `open` ends (its '}'), reading past quoted
// values: a value may itself hold " # {", which is no exemplar.
std::size_t LabelSetEnd(const std::string& line, std::size_t open) {
  bool quoted = false;
  for (std::size_t i = open; i < line.size(); ++i) {
    if (quoted) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        quoted = false;
      }
    } else if (line[i] == '"') {
      quoted = true;
    } else if (line[i] == '}') {
      return i;
    }
  }
  return std::string::npos;
}

void CheckOpenMetrics(const std::vector<std::string>& fields) {
  auto registry = NewMetricsRegistry();
  auto counters = NewCounterVec({"", "", "fuzz_total", "h" + fields[0], {}}, {"a", "b", "c"});
  Check(registry->RegisterCounterVec("fuzz", "counter", counters).ok());
  counters.WithLabelValues(fields[1], fields[2], fields[3])
      .IncWithExemplar({{"trace_id", fields[1]}, {"span_id", fields[2]}});
  auto histograms = NewHistogramVec({"", "", "fuzz_seconds", "h" + fields[0], {}}, {"a"});
  Check(registry->RegisterHistogramVec("fuzz", "histogram", histograms).ok());
  histograms.WithLabelValues(fields[3]).ObserveWithExemplar(0.3, {{"trace_id", fields[3]}});

  const std::string om = OpenMetricsExposition(*registry);
  if (const char* dump = std::getenv("SEMSTREAMS_FUZZ_DUMP_DIR")) {
    static int count = 0;
    std::ofstream(std::string(dump) + "/" + std::to_string(count++) + ".om") << om;
  }
  Check(om.size() >= 6 && om.compare(om.size() - 6, 6, "# EOF\n") == 0);
  Check(om.find("\n# EOF\n") == om.size() - 7);
  Check(om.find("\n\n") == std::string::npos);
  const std::string line = LineStarting(om, "fuzz_total{");
  const std::vector<std::string> values = LabelValues(line, std::string("fuzz_total{").size());
  Check(values.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) Check(values[k] == ExpectedValue(fields[k + 1]));
  const std::size_t labels_end = LabelSetEnd(line, line.find('{'));
  Check(labels_end != std::string::npos);
  const std::size_t exemplar = line.find(" # {", labels_end);
  const bool valid = ExpectedValue(fields[1]) == fields[1] && ExpectedValue(fields[2]) == fields[2];
  const bool fits = valid && Chars(fields[1]) + Chars(fields[2]) + 15 <= 128;
  // Kept exactly when valid and within 128 characters, and then read back unchanged.
  Check((exemplar != std::string::npos) == fits);
  if (fits) {
    const std::vector<std::string> labels = LabelValues(line, exemplar + 4);
    Check(labels.size() == 2 && labels[0] == fields[1] && labels[1] == fields[2]);
  }
}

}  // namespace

// Fields: help, then the values of labels a, b and c.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto fields = semstreams::metric::fuzz::Fields(data, size);
  fields.resize(4);
  auto registry = NewMetricsRegistry();
  auto vec = NewGaugeVec({"", "", "fuzz_gauge", "h" + fields[0], {}}, {"a", "b", "c"});
  Check(registry->RegisterGaugeVec("fuzz", "gauge", vec).ok());
  vec.WithLabelValues(fields[1], fields[2], fields[3]).Set(42);

  std::vector<prometheus::MetricFamily> families;
  for (auto& family : registry->Gather()) {
    if (family.name == "fuzz_gauge") families.push_back(std::move(family));
  }
  const std::string text = TextExposition(families);
  // tools/fuzz feeds a sample of the corpus through promtool this way.
  if (const char* dump = std::getenv("SEMSTREAMS_FUZZ_DUMP_DIR")) {
    static int count = 0;
    std::ofstream(std::string(dump) + "/" + std::to_string(count++) + ".prom") << text;
  }
  // Exactly three lines: HELP, TYPE and the one series.
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  Check(lines == 3 && text.back() == '\n');
  const std::size_t series_start = text.find("\nfuzz_gauge{", text.find("# TYPE")) + 1;
  const std::string series = text.substr(series_start, text.size() - series_start - 1);
  std::size_t i = std::string("fuzz_gauge{").size();
  for (const char* name : {"a", "b", "c"}) {
    Check(series.compare(i, 3, std::string(name) + "=\"") == 0);
    i += 3;
    const std::size_t index = static_cast<std::size_t>(name[0] - 'a') + 1;
    Check(Unescape(series, i) == ExpectedValue(fields[index]));
    if (name[0] != 'c') Check(series[i++] == ',');
  }
  Check(series.substr(i) == "} 42");
  CheckOpenMetrics(fields);
  return 0;
}
