#include "semstreams/metric/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "detail/prometheus_model.h"

namespace semstreams::metric {
namespace {

struct StatFields {
  double cpu_seconds;
  double start_time_ticks;
  double virtual_bytes;
  double resident_pages;
};

// Fields after the parenthesised command name, which may itself contain
// spaces and parentheses; see proc(5).
std::optional<StatFields> ReadSelfStat() {
  std::ifstream file("/proc/self/stat");
  std::string line;
  if (!std::getline(file, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  // Numbered as in proc(5); field 3 (state) is the first after ')'.
  constexpr int kUtime = 14, kStime = 15, kStartTime = 22, kVsize = 23, kRss = 24;
  std::array<double, kRss + 1> number{};
  std::string field;
  for (int index = 3; index <= kRss && (rest >> field); ++index) {
    if (index == kUtime || index == kStime || index >= kStartTime) number[index] = std::stod(field);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return StatFields{(number[kUtime] + number[kStime]) / ticks, number[kStartTime], number[kVsize],
                    number[kRss]};
}

std::optional<double> ReadBootTime() {
  std::ifstream file("/proc/stat");
  std::string key;
  double value;
  while (file >> key) {
    if (key == "btime" && (file >> value)) return value;
    file.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<double> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace

// Families in the order of Names().
enum FamilyIndex : std::size_t {
  kCpuSeconds,
  kMaxFds,
  kOpenFds,
  kResidentMemory,
  kStartTime,
  kVirtualMemory,
  kFamilies
};

const std::vector<std::string>& ProcessCollector::Names() {
  static const std::vector<std::string> names{
      "process_cpu_seconds_total",  "process_max_fds",
      "process_open_fds",           "process_resident_memory_bytes",
      "process_start_time_seconds", "process_virtual_memory_bytes"};
  return names;
}

std::vector<Family> ProcessCollector::Describe() const {
  static constexpr std::array<std::pair<const char*, MetricType>, kFamilies> kHelp{{
      {"Total user and system CPU time spent in seconds.", MetricType::kCounter},
      {"Maximum number of open file descriptors.", MetricType::kGauge},
      {"Number of open file descriptors.", MetricType::kGauge},
      {"Resident memory size in bytes.", MetricType::kGauge},
      {"Start time of the process since unix epoch in seconds.", MetricType::kGauge},
      {"Virtual memory size in bytes.", MetricType::kGauge},
  }};
  std::vector<Family> families(kFamilies);
  for (std::size_t i = 0; i < kFamilies; ++i) {
    families[i].name = Names()[i];
    families[i].help = kHelp[i].first;
    families[i].type = kHelp[i].second;
  }
  return families;
}

void ProcessCollector::Collect(std::vector<Family>& families) const {
  if (families.size() != kFamilies) return;
  const auto set = [&](FamilyIndex i, double value) {
    families[i].series.emplace_back().value = value;
  };
  try {
    if (auto stat = ReadSelfStat()) {
      set(kCpuSeconds, stat->cpu_seconds);
      set(kResidentMemory, stat->resident_pages * static_cast<double>(getpagesize()));
      set(kVirtualMemory, stat->virtual_bytes);
      if (auto boot = ReadBootTime()) {
        const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
        set(kStartTime, *boot + stat->start_time_ticks / ticks);
      }
    }
  } catch (const std::exception&) {
    // A /proc we cannot parse costs these figures, never the scrape.
  }
  if (auto open = CountOpenFds()) set(kOpenFds, *open);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) set(kMaxFds, static_cast<double>(limit.rlim_cur));
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<Family> families = Describe();
  Collect(families);
  std::vector<prometheus::MetricFamily> out;
  for (Family& family : families) {
    if (!family.series.empty()) out.push_back(detail::ToPrometheus(std::move(family)));
  }
  return out;
}

}  // namespace semstreams::metric
