// Metric definitions from arbitrary bytes through the public registration
// API: nothing may crash, an accepted definition must be valid by the
// Prometheus data model (checked here independently), a rejected one must
// leave nothing behind, and whatever is exported must stay one family.
#include <cstdlib>
#include <regex>
#include <set>
#include <stdexcept>

#include "fuzz_input.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"

namespace {

using namespace semstreams::metric;

bool ValidMetricName(const std::string& s) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(s, re);
}

bool ValidLabelName(const std::string& s) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(s, re) && s.rfind("__", 0) != 0;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

// Fields: kind, ns, subsystem, name, help, label names (',' separated),
// bucket bounds (',' separated), then label values for one child.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto fields = semstreams::metric::fuzz::Fields(data, size);
  fields.resize(std::max<std::size_t>(fields.size(), 8));
  const char kind = fields[0].empty() ? 'c' : fields[0][0];
  std::vector<std::string> label_names;
  for (std::size_t start = 0; !fields[5].empty() && start <= fields[5].size();) {
    const std::size_t comma = fields[5].find(',', start);
    label_names.push_back(fields[5].substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<double> buckets;
  for (std::size_t start = 0; !fields[6].empty() && start < fields[6].size();) {
    const std::size_t comma = fields[6].find(',', start);
    buckets.push_back(std::strtod(fields[6].substr(start, comma - start).c_str(), nullptr));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }

  auto registry = NewMetricsRegistry();
  const std::string full_name = BuildFQName(fields[1], fields[2], fields[3]);
  // What is exported under this name before: a core family or the process
  // collector may own it already.
  std::size_t exported_before = 0;
  for (const auto& family : registry->Gather()) exported_before += family.name == full_name;
  Status status;
  std::function<void(const std::vector<std::string>&)> record;
  switch (kind % 3) {
    case 0: {
      auto vec = NewCounterVec({fields[1], fields[2], fields[3], fields[4], {}}, label_names);
      status = registry->RegisterCounterVec("fuzz", "metric", vec);
      record = [vec](const auto& values) { vec.WithLabelValues(values).Inc(); };
      break;
    }
    case 1: {
      auto vec = NewGaugeVec({fields[1], fields[2], fields[3], fields[4], {}}, label_names);
      status = registry->RegisterGaugeVec("fuzz", "metric", vec);
      record = [vec](const auto& values) { vec.WithLabelValues(values).Set(1); };
      break;
    }
    default: {
      HistogramOpts opts{fields[1], fields[2], fields[3], fields[4], {}, buckets};
      auto vec = NewHistogramVec(opts, label_names);
      status = registry->RegisterHistogramVec("fuzz", "metric", vec);
      record = [vec](const auto& values) { vec.WithLabelValues(values).Observe(0.5); };
      break;
    }
  }

  std::vector<std::string> values(fields.begin() + 7, fields.end());
  try {
    record(values);
    Check(values.size() == label_names.size());
  } catch (const std::invalid_argument&) {
    Check(values.size() != label_names.size());
  }

  const auto families = registry->Gather();
  std::size_t exported = 0;
  for (const auto& family : families) exported += family.name == full_name;
  if (status.ok()) {
    Check(ValidMetricName(full_name) && !fields[4].empty());
    std::set<std::string> unique;
    for (const auto& label : label_names) {
      Check(ValidLabelName(label) && unique.insert(label).second);
      Check(!(kind % 3 == 2 && label == "le"));
    }
    Check(exported <= 1);
  } else {
    Check(status.code() == ErrorCode::kInvalidArgument ||
          status.code() == ErrorCode::kPrometheusConflict);
    // Rejected: what is exported under that name is what was there before.
    Check(exported == exported_before);
  }
  Check(!TextExposition(families).empty());
  return 0;
}
