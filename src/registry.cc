#include "semstreams/metric/registry.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "detail/cardinality.h"
#include "detail/exemplar.h"
#include "detail/handle_access.h"
#include "detail/snapshot.h"
#include "detail/snapshot_access.h"
#include "detail/vec_core.h"

namespace semstreams::metric {
namespace {

using detail::HandleAccess;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Every name a family's samples use: a histogram "x" also writes x_bucket,
// x_sum and x_count, which a counter named x_count would collide with in the
// exposition (client_golang rejects that pair too).
std::vector<std::string> ExportedNames(const std::string& name, bool histogram) {
  if (!histogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

std::vector<std::string> ExportedNames(const detail::Desc& desc) {
  return ExportedNames(desc.name, desc.kind == detail::Kind::kHistogram);
}

std::vector<std::string> ExportedNames(const prometheus::MetricFamily& family) {
  // Summaries write _sum and _count beside the family name as well.
  const bool with_suffixes = family.type == prometheus::MetricType::Histogram ||
                             family.type == prometheus::MetricType::Summary;
  return ExportedNames(family.name, with_suffixes);
}

}  // namespace

MetricsRegistry::MetricsRegistry() : MetricsRegistry(RegistryOptions{}) {}

MetricsRegistry::MetricsRegistry(const RegistryOptions& options)
    : core_(options.core), raw_registry_(std::make_shared<prometheus::Registry>()) {
  fixed_ = {
      HandleAccess::CollectorOf(core_.ServiceStatus),
      HandleAccess::CollectorOf(core_.MessagesReceived),
      HandleAccess::CollectorOf(core_.MessagesProcessed),
      HandleAccess::CollectorOf(core_.MessagesPublished),
      HandleAccess::CollectorOf(core_.ProcessingDuration),
      HandleAccess::CollectorOf(core_.ErrorsTotal),
      HandleAccess::CollectorOf(core_.HealthCheckStatus),
      HandleAccess::CollectorOf(core_.NATSConnected),
      HandleAccess::CollectorOf(core_.NATSRTT),
      HandleAccess::CollectorOf(core_.NATSReconnects),
      HandleAccess::CollectorOf(core_.NATSCircuitBreaker),
      HandleAccess::CollectorOf(core_.NATSMessages),
      HandleAccess::CollectorOf(detail::CardinalityRejected()),
      HandleAccess::CollectorOf(detail::ExemplarsDropped()),
  };
  for (const auto& collector : fixed_) {
    for (auto& name : ExportedNames(collector->desc())) key_of_name_[name] = "core metrics";
  }
  for (const auto& name : ProcessCollector::Names()) key_of_name_[name] = "process collector";
}

MetricsRegistry::~MetricsRegistry() = default;

Status MetricsRegistry::RegisterCounter(std::string_view service, std::string_view metric,
                                        const Counter& counter) {
  return Register(service, metric, HandleAccess::CollectorOf(counter));
}

Status MetricsRegistry::RegisterGauge(std::string_view service, std::string_view metric,
                                      const Gauge& gauge) {
  return Register(service, metric, HandleAccess::CollectorOf(gauge));
}

Status MetricsRegistry::RegisterHistogram(std::string_view service, std::string_view metric,
                                          const Histogram& histogram) {
  return Register(service, metric, HandleAccess::CollectorOf(histogram));
}

Status MetricsRegistry::RegisterCounterVec(std::string_view service, std::string_view metric,
                                           const CounterVec& vec) {
  return Register(service, metric, HandleAccess::CollectorOf(vec));
}

Status MetricsRegistry::RegisterGaugeVec(std::string_view service, std::string_view metric,
                                         const GaugeVec& vec) {
  return Register(service, metric, HandleAccess::CollectorOf(vec));
}

Status MetricsRegistry::RegisterHistogramVec(std::string_view service, std::string_view metric,
                                             const HistogramVec& vec) {
  return Register(service, metric, HandleAccess::CollectorOf(vec));
}

Status MetricsRegistry::Register(std::string_view service, std::string_view metric,
                                 std::shared_ptr<const detail::Collector> collector) {
  if (service.empty() || metric.empty()) {
    return {ErrorCode::kInvalidArgument, "service and metric names must not be empty"};
  }
  std::string key = std::string(service) + "." + std::string(metric);
  if (!collector) {
    return {ErrorCode::kInvalidArgument,
            "metric " + Quoted(key) +
                ": a vector's child cannot be registered on its own; register the vector"};
  }
  const detail::Desc& desc = collector->desc();
  if (!desc.error.empty()) return {ErrorCode::kInvalidArgument, desc.error};

  const std::vector<std::string> names = ExportedNames(desc);
  // Looked up before taking our lock: the raw registry has a lock of its own.
  std::string raw_conflict;
  const std::set<std::string> raw_names = RawRegistryNames();
  for (const auto& name : names) {
    if (raw_conflict.empty() && raw_names.count(name) != 0) raw_conflict = name;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    if (it->second == collector) return Status::Ok();
    return {ErrorCode::kAlreadyRegistered,
            "metric " + Quoted(key) + " already registered with another handle"};
  }
  if (!raw_conflict.empty()) {
    return {ErrorCode::kPrometheusConflict, "prometheus conflict: " + Quoted(raw_conflict) +
                                                " is already exported by the prometheus registry"};
  }
  for (const auto& name : names) {
    if (auto it = key_of_name_.find(name); it != key_of_name_.end()) {
      return {ErrorCode::kPrometheusConflict,
              "prometheus conflict: " + Quoted(name) + " is already exported by " + it->second};
    }
  }
  for (const auto& name : names) key_of_name_.emplace(name, key);
  by_key_.emplace(std::move(key), std::move(collector));
  return Status::Ok();
}

bool MetricsRegistry::Unregister(std::string_view service, std::string_view metric) {
  const std::string key = std::string(service) + "." + std::string(metric);
  std::shared_ptr<const detail::Collector> removed;  // released outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  removed = std::move(it->second);
  for (const auto& name : ExportedNames(removed->desc())) key_of_name_.erase(name);
  by_key_.erase(it);
  return true;
}

std::set<std::string> MetricsRegistry::RawRegistryNames() const {
  std::set<std::string> names;
  for (const auto& family : raw_registry_->Collect()) {
    for (auto& name : ExportedNames(family)) names.insert(std::move(name));
  }
  return names;
}

metric::CoreMetrics& MetricsRegistry::CoreMetrics() { return core_; }

std::shared_ptr<prometheus::Registry> MetricsRegistry::PrometheusRegistry() const {
  return raw_registry_;
}

std::vector<detail::FamilySnapshot> MetricsRegistry::Snapshot() const {
  std::vector<std::shared_ptr<const detail::Collector>> collectors = fixed_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, collector] : by_key_) collectors.push_back(collector);
  }
  detail::RegistrySnapshot families;
  families.reserve(collectors.size() + ProcessCollector::Names().size());
  for (const auto& collector : collectors) {
    detail::FamilySnapshot family;
    collector->Collect(family);
    if (!family.family.metric.empty()) families.push_back(std::move(family));
  }
  for (auto& family : process_.Collect()) families.emplace_back(std::move(family));

  const auto by_name = [](const detail::FamilySnapshot& a, const detail::FamilySnapshot& b) {
    return a.family.name < b.family.name;
  };
  std::sort(families.begin(), families.end(), by_name);
  const auto ours = static_cast<std::ptrdiff_t>(families.size());
  // A raw family whose name we export already would make the whole exposition
  // unparsable, so it is dropped and the clash logged.
  for (auto& family : raw_registry_->Collect()) {
    detail::FamilySnapshot raw(std::move(family));
    if (std::binary_search(families.begin(), families.begin() + ours, raw, by_name)) {
      std::fprintf(stderr,
                   "semstreams-metric: dropping raw prometheus family %s: the name is "
                   "already exported\n",
                   raw.family.name.c_str());
      continue;
    }
    if (!raw.family.metric.empty()) families.push_back(std::move(raw));
  }
  // Only the raw families need sorting; then one merge, not a second full sort.
  std::sort(families.begin() + ours, families.end(), by_name);
  std::inplace_merge(families.begin(), families.begin() + ours, families.end(), by_name);
  return families;
}

std::vector<prometheus::MetricFamily> MetricsRegistry::Gather() const {
  detail::RegistrySnapshot snapshot = Snapshot();
  std::vector<prometheus::MetricFamily> families;
  families.reserve(snapshot.size());
  for (auto& family : snapshot) families.push_back(std::move(family.family));
  return families;
}

std::shared_ptr<MetricsRegistry> NewMetricsRegistry() {
  return std::make_shared<MetricsRegistry>();
}

std::shared_ptr<MetricsRegistry> NewMetricsRegistry(const RegistryOptions& options) {
  return std::make_shared<MetricsRegistry>(options);
}

}  // namespace semstreams::metric
