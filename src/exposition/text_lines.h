#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// The two text formats: Prometheus text 0.0.4 and OpenMetrics 1.0.
enum class TextFlavor { kPrometheus, kOpenMetrics };

/// The name `# TYPE` gives `type` in `flavor` (untyped is "unknown" in
/// OpenMetrics; info, which text 0.0.4 lacks, is a gauge there).
const char* TypeName(MetricType type, TextFlavor flavor);

/// Appends `name`, or `"name"` (escaped) when `quote_names` is set and it is
/// not a legacy name: how the text formats write UTF-8 names.
void AppendName(std::string_view name, bool quote_names, std::string& out);

/// Appends `{name="value",...}` with values escaped, or nothing for no labels.
void AppendLabels(const std::vector<Label>& labels, bool quote_names, std::string& out);

/// True when any family or label name in `families` is not a legacy name,
/// that is when the text writers must look at each name to quote it.
bool HasUtf8Names(const std::vector<Family>& families);

/// Writes the sample lines of one series, `name{labels} value [timestamp]
/// [# exemplar]`, a shape both text formats share: the labels once per sample,
/// plus the extra label (le, quantile) of the samples that have one.
class SampleWriter {
 public:
  /// With `quote_names`, names that are not legacy names are quoted, and a
  /// quoted sample name goes inside the braces: `{"a.b_total",l="v"} 1`.
  SampleWriter(std::string_view name, const Series& series, TextFlavor flavor, bool quote_names,
               std::string& out)
      : name_(name), series_(series), flavor_(flavor), quote_names_(quote_names), out_(out) {}

  /// Writes the sample's name and labels, ready for the value.
  void Start(std::string_view suffix, std::string_view extra_name = {},
             std::string_view extra_value = {});
  /// Ends the line: the timestamp (ms in text, seconds in OpenMetrics), then
  /// the exemplar, which only OpenMetrics carries.
  void End(const std::optional<Exemplar>* exemplar = nullptr);
  /// A whole sample line with a floating-point value.
  void Value(std::string_view suffix, double value);
  /// A whole sample line with a count.
  void Count(std::string_view suffix, std::uint64_t count);

 private:
  void Timestamp();

  std::string_view name_;
  const Series& series_;
  TextFlavor flavor_;
  bool quote_names_;
  std::string& out_;
};

}  // namespace semstreams::metric::detail
