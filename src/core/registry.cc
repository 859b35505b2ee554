#include "semstreams/metric/registry.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "detail/cardinality.h"
#include "detail/desc.h"
#include "detail/exemplar.h"
#include "detail/handle_access.h"
#include "detail/names.h"
#include "detail/prometheus_model.h"
#include "detail/snapshot_access.h"
#include "detail/vec_core.h"

namespace semstreams::metric {
namespace {

using detail::HandleAccess;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Every name a family's samples use: a histogram "x" also writes x_bucket,
// x_sum and x_count, which a counter named x_count would collide with in the
// exposition (client_golang rejects that pair too). Summaries write _sum and
// _count beside the family name as well.
std::vector<std::string> ExportedNames(const std::string& name, MetricType type) {
  if (type == MetricType::kHistogram)
    return {name, name + "_bucket", name + "_sum", name + "_count"};
  if (type == MetricType::kSummary) return {name, name + "_sum", name + "_count"};
  return {name};
}

std::vector<std::string> ExportedNames(const std::vector<Family>& families) {
  std::vector<std::string> names;
  for (const Family& family : families) {
    for (auto& name : ExportedNames(family.name, family.type)) names.push_back(std::move(name));
  }
  return names;
}

// Why a collector's definition cannot be registered, or "" when it can.
std::string Invalid(const Collector& collector, const std::vector<Family>& families) {
  if (const auto* ours = dynamic_cast<const detail::Collector*>(&collector)) {
    return ours->desc().error;
  }
  if (families.empty()) return "a collector must describe at least one family";
  std::set<std::string_view> seen;
  for (const Family& family : families) {
    if (!detail::IsValidUtf8Name(family.name)) {
      return "collector family has invalid name " + Quoted(family.name) + " (want non-empty UTF-8)";
    }
    if (!seen.insert(family.name).second) {
      return "collector describes family " + Quoted(family.name) + " twice";
    }
  }
  return {};
}

// Whether every name `collector` can export is a legacy name, known from
// its definition; users' collectors name their labels only at scrape time.
bool LegacyNames(const Collector& collector) {
  if (dynamic_cast<const ProcessCollector*>(&collector) != nullptr) return true;
  const auto* ours = dynamic_cast<const detail::Collector*>(&collector);
  if (ours == nullptr) return false;
  const detail::Desc& desc = ours->desc();
  if (!detail::IsValidMetricName(desc.name)) return false;
  for (const auto& [name, value] : desc.const_labels) {
    if (!detail::IsValidMetricName(name)) return false;
  }
  for (const auto& name : desc.label_names) {
    if (!detail::IsValidMetricName(name)) return false;
  }
  return true;
}

Counter NewCollectErrors() {
  return NewCounter({.name = "semstreams_metric_collect_errors_total",
                     .help = "Collectors whose Collect threw, each leaving its families out "
                             "of that scrape"});
}

CounterVec NewRemoteWriteCounter(const char* name, const char* help) {
  return NewCounterVec(
      {.name = std::string("semstreams_metric_remote_write_") + name, .help = help}, {"remote"});
}

}  // namespace

MetricsRegistry::MetricsRegistry() : MetricsRegistry(RegistryOptions{}) {}

MetricsRegistry::MetricsRegistry(const RegistryOptions& options)
    : core_(options.core),
      raw_registry_(std::make_shared<prometheus::Registry>()),
      collect_errors_(NewCollectErrors()),
      remote_write_sent_(NewRemoteWriteCounter(
          "samples_sent_total", "Samples and native histograms a remote writer delivered")),
      remote_write_failed_(NewRemoteWriteCounter(
          "samples_failed_total",
          "Samples and native histograms of remote writes that failed after their retries, "
          "dropped (never buffered)")),
      remote_write_retries_(NewRemoteWriteCounter(
          "retries_total", "Remote-write requests sent again after a 5xx, a 429 or no answer")) {
  const std::shared_ptr<const Collector> library[] = {
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
      HandleAccess::CollectorOf(collect_errors_),
      HandleAccess::CollectorOf(remote_write_sent_),
      HandleAccess::CollectorOf(remote_write_failed_),
      HandleAccess::CollectorOf(remote_write_retries_),
      std::make_shared<const ProcessCollector>(),
  };
  for (const auto& collector : library) {
    auto registered = std::make_shared<const Registered>(
        Registered{collector, collector->Describe(), LegacyNames(*collector)});
    const char* owner = dynamic_cast<const ProcessCollector*>(collector.get()) ? "process collector"
                                                                               : "core metrics";
    for (auto& name : ExportedNames(registered->families)) key_of_name_[name] = owner;
    fixed_.push_back(std::move(registered));
  }
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

Status MetricsRegistry::RegisterCollector(std::string_view service, std::string_view metric,
                                          std::shared_ptr<const Collector> collector) {
  if (!collector) return {ErrorCode::kInvalidArgument, "collector is null"};
  return Register(service, metric, std::move(collector));
}

Status MetricsRegistry::Register(std::string_view service, std::string_view metric,
                                 std::shared_ptr<const Collector> collector) {
  if (service.empty() || metric.empty()) {
    return {ErrorCode::kInvalidArgument, "service and metric names must not be empty"};
  }
  std::string key = std::string(service) + "." + std::string(metric);
  if (!collector) {
    return {ErrorCode::kInvalidArgument,
            "metric " + Quoted(key) +
                ": a vector's child cannot be registered on its own; register the vector"};
  }
  const Collector& definition = *collector;
  auto registered = std::make_shared<Registered>(
      Registered{std::move(collector), definition.Describe(), LegacyNames(definition)});
  if (std::string error = Invalid(definition, registered->families); !error.empty()) {
    return {ErrorCode::kInvalidArgument, std::move(error)};
  }

  const std::vector<std::string> names = ExportedNames(registered->families);
  // Looked up before taking our lock: the raw registry has a lock of its own.
  std::string raw_conflict;
  const std::set<std::string> raw_names = RawRegistryNames();
  for (const auto& name : names) {
    if (raw_conflict.empty() && raw_names.count(name) != 0) raw_conflict = name;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    if (it->second->collector == registered->collector) return Status::Ok();
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
  by_key_.emplace(std::move(key), std::move(registered));
  return Status::Ok();
}

bool MetricsRegistry::Unregister(std::string_view service, std::string_view metric) {
  const std::string key = std::string(service) + "." + std::string(metric);
  std::shared_ptr<const Registered> removed;  // released outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  removed = std::move(it->second);
  for (const auto& name : ExportedNames(removed->families)) key_of_name_.erase(name);
  by_key_.erase(it);
  return true;
}

std::set<std::string> MetricsRegistry::RawRegistryNames() const {
  std::set<std::string> names;
  for (const auto& family : raw_registry_->Collect()) {
    for (auto& name : ExportedNames(family.name, detail::FromPrometheus(family).type)) {
      names.insert(std::move(name));
    }
  }
  return names;
}

metric::CoreMetrics& MetricsRegistry::CoreMetrics() { return core_; }

std::shared_ptr<prometheus::Registry> MetricsRegistry::PrometheusRegistry() const {
  return raw_registry_;
}

void MetricsRegistry::CollectInto(const Registered& registered, std::vector<Family>& out) const {
  std::vector<Family> families = registered.families;
  try {
    registered.collector->Collect(families);
  } catch (...) {
    collect_errors_.Inc();
    return;
  }
  // A collector that changed what it described would break the rules
  // registration checked (unique names): its output is refused like a throw.
  bool as_described = families.size() == registered.families.size();
  for (std::size_t i = 0; as_described && i < families.size(); ++i) {
    as_described = families[i].name == registered.families[i].name &&
                   families[i].type == registered.families[i].type;
  }
  if (!as_described) {
    collect_errors_.Inc();
    return;
  }
  for (Family& family : families) {
    if (!family.series.empty()) out.push_back(std::move(family));
  }
}

std::vector<Family> MetricsRegistry::Snapshot(bool* utf8_names) const {
  std::vector<std::shared_ptr<const Registered>> registered = fixed_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    registered.reserve(fixed_.size() + by_key_.size());
    for (const auto& [key, entry] : by_key_) registered.push_back(entry);
  }
  std::vector<Family> families;
  families.reserve(registered.size() + ProcessCollector::Names().size());
  bool legacy = true;
  for (const auto& entry : registered) {
    const std::size_t before = families.size();
    CollectInto(*entry, families);
    legacy = legacy && (entry->legacy_names || families.size() == before);
  }

  const auto by_name = [](const Family& a, const Family& b) { return a.name < b.name; };
  std::sort(families.begin(), families.end(), by_name);
  const auto ours = static_cast<std::ptrdiff_t>(families.size());
  // A raw family whose name we export already would make the whole exposition
  // unparsable, so it is dropped and the clash logged.
  for (auto& family : raw_registry_->Collect()) {
    Family raw = detail::FromPrometheus(std::move(family));
    if (std::binary_search(families.begin(), families.begin() + ours, raw, by_name)) {
      std::fprintf(stderr,
                   "semstreams-metric: dropping raw prometheus family %s: the name is "
                   "already exported\n",
                   raw.name.c_str());
      continue;
    }
    if (!raw.series.empty()) families.push_back(std::move(raw));
  }
  // prometheus-cpp's builders take legacy names only.
  if (utf8_names != nullptr) *utf8_names = !legacy;
  // Only the raw families need sorting; then one merge, not a second full sort.
  std::sort(families.begin() + ours, families.end(), by_name);
  std::inplace_merge(families.begin(), families.begin() + ours, families.end(), by_name);
  return families;
}

std::vector<prometheus::MetricFamily> MetricsRegistry::Gather() const {
  std::vector<Family> snapshot = Snapshot();
  std::vector<prometheus::MetricFamily> families;
  families.reserve(snapshot.size());
  for (Family& family : snapshot) families.push_back(detail::ToPrometheus(std::move(family)));
  return families;
}

std::shared_ptr<MetricsRegistry> NewMetricsRegistry() {
  return std::make_shared<MetricsRegistry>();
}

std::shared_ptr<MetricsRegistry> NewMetricsRegistry(const RegistryOptions& options) {
  return std::make_shared<MetricsRegistry>(options);
}

}  // namespace semstreams::metric
