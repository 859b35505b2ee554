#include "semstreams/metric/process_collector.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "semstreams/metric/registry.h"
#include "support/gather_util.h"

namespace semstreams::metric {
namespace {

using testing::FindFamily;
using testing::ScalarValue;
using ::testing::UnorderedElementsAre;

double Collected(const std::string& name) {
  const ProcessCollector collector;
  return ScalarValue(collector.Collect(), name).value_or(-1);
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ProcessCollectorTest, NamesAreClientGolangs) {
  EXPECT_THAT(ProcessCollector::Names(),
              UnorderedElementsAre("process_cpu_seconds_total", "process_resident_memory_bytes",
                                   "process_virtual_memory_bytes", "process_open_fds",
                                   "process_max_fds", "process_start_time_seconds"));
}

TEST(ProcessCollectorTest, CollectsSixFamiliesWithClientGolangTypesAndHelp) {
  using prometheus::MetricType;
  struct Want {
    const char* name;
    MetricType type;
    const char* help;
  };
  const Want wants[] = {
      {"process_cpu_seconds_total", MetricType::Counter,
       "Total user and system CPU time spent in seconds."},
      {"process_resident_memory_bytes", MetricType::Gauge, "Resident memory size in bytes."},
      {"process_virtual_memory_bytes", MetricType::Gauge, "Virtual memory size in bytes."},
      {"process_open_fds", MetricType::Gauge, "Number of open file descriptors."},
      {"process_max_fds", MetricType::Gauge, "Maximum number of open file descriptors."},
      {"process_start_time_seconds", MetricType::Gauge,
       "Start time of the process since unix epoch in seconds."},
  };
  const ProcessCollector collector;
  const auto families = collector.Collect();
  EXPECT_EQ(families.size(), 6u);
  for (const auto& want : wants) {
    SCOPED_TRACE(want.name);
    const auto* family = FindFamily(families, want.name);
    ASSERT_NE(family, nullptr);
    EXPECT_EQ(family->type, want.type);
    EXPECT_EQ(family->help, want.help);
    ASSERT_EQ(family->metric.size(), 1u);
    EXPECT_TRUE(family->metric[0].label.empty());
  }
}

TEST(ProcessCollectorTest, OpenFdsRisesWhenFilesAreOpened) {
  const double before = Collected("process_open_fds");
  ASSERT_GT(before, 0);  // at least stdin, stdout, stderr
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) {
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  const double during = Collected("process_open_fds");
  for (int fd : fds) close(fd);
  const double after = Collected("process_open_fds");
  EXPECT_GE(during, before + 5);
  EXPECT_LE(after, during - 5);
}

TEST(ProcessCollectorTest, MaxFdsIsTheSoftLimit) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(Collected("process_max_fds"), static_cast<double>(limit.rlim_cur));
}

TEST(ProcessCollectorTest, StartTimeIsWithinTheLastHour) {
  const double start = Collected("process_start_time_seconds");
  const double now = NowSeconds();
  EXPECT_LE(start, now + 1);  // clock ticks round the start time
  EXPECT_GT(start, now - 3600);
}

TEST(ProcessCollectorTest, MemoryFiguresAreSane) {
  const double rss = Collected("process_resident_memory_bytes");
  const double vsize = Collected("process_virtual_memory_bytes");
  EXPECT_GT(rss, 0);
  EXPECT_GE(vsize, rss);
  EXPECT_EQ(static_cast<long long>(rss) % getpagesize(), 0);
}

TEST(ProcessCollectorTest, CpuSecondsNeverGoesDown) {
  const double first = Collected("process_cpu_seconds_total");
  volatile double sink = 0;
  for (int i = 0; i < 1000000; ++i) sink = sink + i;
  const double second = Collected("process_cpu_seconds_total");
  EXPECT_GE(first, 0);
  EXPECT_GE(second, first);
}

TEST(ProcessCollectorTest, RegistryGatherIncludesProcessFamilies) {
  auto registry = NewMetricsRegistry();
  const auto families = registry->Gather();
  for (const auto& name : ProcessCollector::Names()) {
    EXPECT_NE(FindFamily(families, name), nullptr) << name;
  }
}

}  // namespace
}  // namespace semstreams::metric
