#include "semstreams/metric/testutil.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "detail/cells.h"
#include "detail/handle_access.h"
#include "detail/snapshot_access.h"
#include "detail/trim.h"
#include "detail/vec_core.h"
#include "semstreams/metric/text_format.h"

namespace semstreams::metric::testutil {
namespace {

using detail::HandleAccess;

// Re-renders a sample's value the way TextExposition does, so that "1.0",
// "1" and "1e0" compare equal; comments are kept as they are.
std::string CanonicalLine(std::string_view line) {
  if (line.empty() || line[0] == '#') return std::string(line);
  const auto space = line.find_last_of(' ');
  if (space == std::string_view::npos) return std::string(line);
  const std::string_view value = line.substr(space + 1);
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return std::string(line);
  double number;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) return std::string(line);
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(line.substr(0, space + 1)) + std::string(buffer, result.ptr);
}

// The family a line belongs to: the name after "# HELP "/"# TYPE ", or the
// sample name without a histogram/summary suffix.
std::string FamilyOf(std::string_view line, const std::string& current) {
  if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
    const std::string_view rest = line.substr(7);
    return std::string(rest.substr(0, rest.find(' ')));
  }
  return current;
}

// Lines grouped by family and sorted, so that neither family nor series order
// matters. Families outside `names` (when given) are dropped.
std::map<std::string, std::multiset<std::string>> Normalize(std::string_view text,
                                                            const std::vector<std::string>& names) {
  std::map<std::string, std::multiset<std::string>> families;
  std::string current;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = detail::Trim(text.substr(0, newline), " \t\r");
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty()) continue;
    current = FamilyOf(line, current);
    if (!names.empty() && std::find(names.begin(), names.end(), current) == names.end()) {
      continue;
    }
    families[current].insert(CanonicalLine(line));
  }
  return families;
}

Status Compare(const std::vector<Family>& families, std::string_view expected,
               const std::vector<std::string>& names) {
  const auto want = Normalize(expected, names);
  const auto got = Normalize(TextExposition(families), names);
  if (want == got) return Status::Ok();
  std::string diff = "exported metrics differ from the expected text:\n";
  std::set<std::string> all;
  for (const auto& [name, lines] : want) all.insert(name);
  for (const auto& [name, lines] : got) all.insert(name);
  static const std::multiset<std::string> kNone;
  for (const auto& name : all) {
    const auto& w = want.count(name) ? want.at(name) : kNone;
    const auto& g = got.count(name) ? got.at(name) : kNone;
    for (const auto& line : w) {
      if (!g.count(line)) diff += "- " + line + "\n";
    }
    for (const auto& line : g) {
      if (!w.count(line)) diff += "+ " + line + "\n";
    }
  }
  return Status(ErrorCode::kInvalidArgument, diff);
}

template <class Handle>
Status CompareOne(const Handle& handle, std::string_view expected) {
  const auto& collector = HandleAccess::CollectorOf(handle);
  if (!collector) {
    return Status(ErrorCode::kInvalidArgument,
                  "a vector's child has no family of its own; compare the vector");
  }
  std::vector<Family> families = collector->Describe();
  collector->Collect(families);
  return Compare(families, expected, {});
}

}  // namespace

double ToFloat64(const Counter& counter) { return counter.Value(); }
double ToFloat64(const Gauge& gauge) { return gauge.Value(); }

std::size_t CollectAndCount(const MetricsRegistry& registry,
                            const std::vector<std::string>& metric_names) {
  std::size_t count = 0;
  for (const auto& family : detail::SnapshotAccess::Take(registry)) {
    if (metric_names.empty() ||
        std::find(metric_names.begin(), metric_names.end(), family.name) != metric_names.end()) {
      count += family.series.size();
    }
  }
  return count;
}

Status CollectAndCompare(const MetricsRegistry& registry, std::string_view expected,
                         const std::vector<std::string>& metric_names) {
  return Compare(detail::SnapshotAccess::Take(registry), expected, metric_names);
}

Status CollectAndCompare(const Counter& counter, std::string_view expected) {
  return CompareOne(counter, expected);
}
Status CollectAndCompare(const Gauge& gauge, std::string_view expected) {
  return CompareOne(gauge, expected);
}
Status CollectAndCompare(const Histogram& histogram, std::string_view expected) {
  return CompareOne(histogram, expected);
}
Status CollectAndCompare(const CounterVec& vec, std::string_view expected) {
  return CompareOne(vec, expected);
}
Status CollectAndCompare(const GaugeVec& vec, std::string_view expected) {
  return CompareOne(vec, expected);
}
Status CollectAndCompare(const HistogramVec& vec, std::string_view expected) {
  return CompareOne(vec, expected);
}

}  // namespace semstreams::metric::testutil
