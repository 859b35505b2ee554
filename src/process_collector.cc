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

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  family.metric.resize(1);
  if (type == prometheus::MetricType::Counter) {
    family.metric[0].counter.value = value;
  } else {
    family.metric[0].gauge.value = value;
  }
  return family;
}

}  // namespace

const std::vector<std::string>& ProcessCollector::Names() {
  static const std::vector<std::string> names{
      "process_cpu_seconds_total",  "process_max_fds",
      "process_open_fds",           "process_resident_memory_bytes",
      "process_start_time_seconds", "process_virtual_memory_bytes"};
  return names;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  try {
    if (auto stat = ReadSelfStat()) {
      families.push_back(Family("process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.",
                                MetricType::Counter, stat->cpu_seconds));
      families.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                MetricType::Gauge,
                                stat->resident_pages * static_cast<double>(getpagesize())));
      families.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                MetricType::Gauge, stat->virtual_bytes));
      if (auto boot = ReadBootTime()) {
        const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
        families.push_back(Family("process_start_time_seconds",
                                  "Start time of the process since unix epoch in seconds.",
                                  MetricType::Gauge, *boot + stat->start_time_ticks / ticks));
      }
    }
  } catch (const std::exception&) {
    // A /proc we cannot parse costs these figures, never the scrape.
  }
  if (auto open = CountOpenFds()) {
    families.push_back(
        Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *open));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                              MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace semstreams::metric
