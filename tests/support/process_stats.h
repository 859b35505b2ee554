#pragma once

#include <dirent.h>
#include <unistd.h>

#include <fstream>

namespace semstreams::metric::testing {

/// \brief What this process holds right now, for leak checks.
struct ProcessStats {
  double rss_bytes = 0;
  int open_fds = 0;
  int threads = 0;
};

inline int CountEntries(const char* dir_path) {
  int count = 0;
  if (DIR* dir = opendir(dir_path)) {
    while (const dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
    closedir(dir);
  }
  return count;
}

/// \brief Reads /proc/self; the fd count includes the one used to read it.
inline ProcessStats ReadProcessStats() {
  ProcessStats stats;
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  statm >> size >> resident;
  stats.rss_bytes = resident * static_cast<double>(sysconf(_SC_PAGESIZE));
  stats.open_fds = CountEntries("/proc/self/fd");
  stats.threads = CountEntries("/proc/self/task");
  return stats;
}

}  // namespace semstreams::metric::testing
