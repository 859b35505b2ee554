#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "semstreams/metric/collector.h"
#include "semstreams/metric/core_metrics.h"
#include "semstreams/metric/family.h"
#include "semstreams/metric/process_collector.h"
#include "semstreams/metric/registrar.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric {
namespace detail {
struct SnapshotAccess;
struct RemoteWriteAccess;
}  // namespace detail

/// \brief Options of NewMetricsRegistry(const RegistryOptions&); the defaults
/// are NewMetricsRegistry()'s.
struct RegistryOptions {
  /// \brief How the core families are built.
  CoreMetricsOptions core{};
};

/// \brief The central registry: core platform metrics, a process collector,
/// and the metrics services register (Go's metric.MetricsRegistry).
///
/// Registration rules: registering the same handle again under the same key
/// succeeds; another handle under a taken key fails with kAlreadyRegistered;
/// a handle whose full name something else already exports fails with
/// kPrometheusConflict; an invalid definition fails with kInvalidArgument. A
/// failed call changes nothing. Registering never blocks recording threads.
/// The class is thread-safe. No concurrent call to any API of this type causes
/// a data race.
class MetricsRegistry : public MetricsRegistrar, public prometheus::Collectable {
 public:
  /// \brief Prefer NewMetricsRegistry(); the server needs a shared_ptr.
  MetricsRegistry();
  /// \brief Prefer NewMetricsRegistry(RegistryOptions).
  explicit MetricsRegistry(const RegistryOptions& options);
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;
  /// \brief Handles registered here stay usable; they are just no longer exported.
  ~MetricsRegistry() override;

  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterCounter(std::string_view service, std::string_view metric,
                         const Counter& counter) override;
  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterGauge(std::string_view service, std::string_view metric,
                       const Gauge& gauge) override;
  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterHistogram(std::string_view service, std::string_view metric,
                           const Histogram& histogram) override;
  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterCounterVec(std::string_view service, std::string_view metric,
                            const CounterVec& vec) override;
  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterGaugeVec(std::string_view service, std::string_view metric,
                          const GaugeVec& vec) override;
  /// \brief See MetricsRegistrar; the rules are in the class comment.
  Status RegisterHistogramVec(std::string_view service, std::string_view metric,
                              const HistogramVec& vec) override;
  /// \brief Registers a collector, whose families are read at every scrape
  /// (see Collector; NewGaugeFunc and NewCounterFunc make the common ones).
  /// The rules are in the class comment, applied to every family it describes.
  Status RegisterCollector(std::string_view service, std::string_view metric,
                           std::shared_ptr<const Collector> collector);
  /// \brief See MetricsRegistrar::Unregister.
  bool Unregister(std::string_view service, std::string_view metric) override;

  /// \brief The core platform metrics; valid as long as this registry (copy it
  /// to keep recording beyond that: copies share the same families).
  metric::CoreMetrics& CoreMetrics();

  /// \brief The raw prometheus-cpp registry, for families built with its own
  /// builders; Gather() and the server export them beside everything else.
  std::shared_ptr<prometheus::Registry> PrometheusRegistry() const;

  /// \brief Everything exported, families sorted by name and series by label
  /// values. Families with no series are left out, as in Go.
  std::vector<prometheus::MetricFamily> Gather() const;

  /// \brief Same as Gather(); lets prometheus-cpp's Exposer scrape this registry.
  std::vector<prometheus::MetricFamily> Collect() const override { return Gather(); }

 private:
  friend struct detail::SnapshotAccess;
  friend struct detail::RemoteWriteAccess;

  // A collector and the families it described at registration.
  struct Registered {
    std::shared_ptr<const Collector> collector;
    std::vector<Family> families;  // without series
    // Every family and label name is known to be [a-zA-Z_:][a-zA-Z0-9_:]*, so
    // the writers need not look at names (unknown for users' collectors).
    bool legacy_names = false;
  };

  Status Register(std::string_view service, std::string_view metric,
                  std::shared_ptr<const Collector> collector);
  // Everything exported, in the library's model: what Gather() converts and
  // every exposition writer reads.
  // `utf8_names`, when given, is set when some name may need quoting or
  // escaping for a scraper.
  std::vector<Family> Snapshot(bool* utf8_names = nullptr) const;
  // Appends what `registered` collects now; a throwing collector is counted
  // and left out.
  void CollectInto(const Registered& registered, std::vector<Family>& out) const;
  std::set<std::string> RawRegistryNames() const;

  metric::CoreMetrics core_;
  const std::shared_ptr<prometheus::Registry> raw_registry_;
  const Counter collect_errors_;
  // What the RemoteWriters of this registry sent, could not send and
  // retried, by receiver: kept here so several writers share the families.
  const CounterVec remote_write_sent_, remote_write_failed_, remote_write_retries_;
  std::vector<std::shared_ptr<const Registered>> fixed_;  // core, process and library families

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Registered>, std::less<>> by_key_;
  std::map<std::string, std::string, std::less<>> key_of_name_;
};

/// \brief A registry with the core families and the process collector registered.
std::shared_ptr<MetricsRegistry> NewMetricsRegistry();

/// \brief The same, with the core families built from `options.core` (for
/// example native buckets on semstreams_processing_duration_seconds).
std::shared_ptr<MetricsRegistry> NewMetricsRegistry(const RegistryOptions& options);

}  // namespace semstreams::metric
