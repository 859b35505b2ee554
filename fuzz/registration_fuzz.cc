// Metric definitions from arbitrary bytes through the public registration
// API: nothing may crash, an accepted definition must be valid by the
// Prometheus data model (checked here independently), a rejected one must
// leave nothing behind, and whatever is exported must stay one family.
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "fuzz_input.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/text_format.h"

namespace {

using namespace semstreams::metric;

// RFC 3629's table of well-formed sequences, written here independently of
// the library: names may be any non-empty UTF-8, as in Prometheus 3.
bool IsUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned lead = p[i];
    std::size_t trail = 0;
    unsigned low = 0x80, high = 0xBF;
    if (lead <= 0x7F) {
      ++i;
      continue;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
      trail = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      trail = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      trail = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= trail) return false;
    for (std::size_t k = 1; k <= trail; ++k) {
      const unsigned byte = p[i + k];
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) return false;
    }
    i += trail + 1;
  }
  return true;
}

bool ValidMetricName(const std::string& s) { return !s.empty() && IsUtf8(s); }

bool ValidLabelName(const std::string& s) {
  return !s.empty() && IsUtf8(s) && s.rfind("__", 0) != 0;
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
