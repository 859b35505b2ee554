#pragma once

#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "semstreams/metric/collector.h"

namespace semstreams::metric {

/// \brief client_golang's process collector for Linux: CPU time, memory, file
/// descriptors and start time of this process, read from /proc at scrape time.
///
/// Exports process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds. A figure that cannot be read is left out. The
/// class is thread-safe. No concurrent call to any API of this type causes a
/// data race.
class ProcessCollector : public prometheus::Collectable, public Collector {
 public:
  /// \brief Reads /proc/self now and returns the families it could fill.
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// \brief The six families, without series.
  std::vector<Family> Describe() const override;
  /// \brief Reads /proc/self now and fills the series of what it could read.
  void Collect(std::vector<Family>& families) const override;

  /// \brief The names of the families this collector may export.
  static const std::vector<std::string>& Names();
};

}  // namespace semstreams::metric
