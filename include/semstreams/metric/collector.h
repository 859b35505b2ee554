#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "semstreams/metric/family.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric {

/// \brief Something a registry exports, read at scrape time (client_golang's
/// Collector): a queue's depth, a pool's size, series computed from another
/// library's state. The library's own families are Collectors too.
///
/// Register one with MetricsRegistry::RegisterCollector. Describe() is called
/// once, at registration, where its families are checked like every other
/// metric's (valid names, no clash with anything else exported). Collect()
/// then runs on every scrape, on the scraping thread, possibly on several
/// scraping threads at once: it must be thread-safe. If it throws, its
/// families are left out of that scrape, the error is counted in
/// semstreams_metric_collect_errors_total, and the rest of the scrape is served.
class Collector {
 public:
  virtual ~Collector() = default;

  /// \brief The families this collector exports: name, help, type and unit,
  /// without series. Must not change once registered.
  virtual std::vector<Family> Describe() const = 0;

  /// \brief Fills in the series: `families` holds Describe()'s families, in
  /// the same order, with no series. A family left without series is not
  /// exported in this scrape.
  virtual void Collect(std::vector<Family>& families) const = 0;
};

/// \brief A gauge whose value `value()` returns at scrape time (Go's
/// NewGaugeFunc), with opts' name, help and constant labels. An invalid
/// definition, or an empty function, is reported at registration.
std::shared_ptr<const Collector> NewGaugeFunc(GaugeOpts opts, std::function<double()> value);

/// \brief A counter whose value `value()` returns at scrape time (Go's
/// NewCounterFunc); the function must only ever return larger values (bytes
/// read so far by a library, say).
std::shared_ptr<const Collector> NewCounterFunc(CounterOpts opts, std::function<double()> value);

}  // namespace semstreams::metric
