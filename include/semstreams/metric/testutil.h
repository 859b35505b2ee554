#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/registry.h"
#include "semstreams/metric/status.h"
#include "semstreams/metric/vec.h"

/// \brief Helpers for services' own tests, after client_golang's testutil.
namespace semstreams::metric::testutil {

/// \brief The value of a counter.
double ToFloat64(const Counter& counter);
/// \brief The value of a gauge.
double ToFloat64(const Gauge& gauge);

/// \brief How many series the vector exports now.
template <class Metric>
std::size_t CollectAndCount(const MetricVec<Metric>& vec) {
  return vec.Size();
}
/// \brief How many series the registry exports in total, or only in the
/// families named in `metric_names` when it is not empty.
std::size_t CollectAndCount(const MetricsRegistry& registry,
                            const std::vector<std::string>& metric_names = {});

/// \brief Compares what the registry exports with `expected` exposition text
/// (HELP, TYPE and sample lines, in any order, surrounding blank lines and
/// indentation ignored, values compared as numbers). Only the families named
/// in `metric_names` are compared when it is not empty. On a mismatch the
/// status is kInvalidArgument and its message is a line diff: "- " lines are
/// expected but missing, "+ " lines are exported but not expected.
Status CollectAndCompare(const MetricsRegistry& registry, std::string_view expected,
                         const std::vector<std::string>& metric_names = {});
/// \brief CollectAndCompare for one counter (registered or not).
Status CollectAndCompare(const Counter& counter, std::string_view expected);
/// \brief CollectAndCompare for one gauge (registered or not).
Status CollectAndCompare(const Gauge& gauge, std::string_view expected);
/// \brief CollectAndCompare for one histogram (registered or not).
Status CollectAndCompare(const Histogram& histogram, std::string_view expected);
/// \brief CollectAndCompare for every child of a vector (registered or not).
Status CollectAndCompare(const CounterVec& vec, std::string_view expected);
/// \brief CollectAndCompare for every child of a vector (registered or not).
Status CollectAndCompare(const GaugeVec& vec, std::string_view expected);
/// \brief CollectAndCompare for every child of a vector (registered or not).
Status CollectAndCompare(const HistogramVec& vec, std::string_view expected);

}  // namespace semstreams::metric::testutil
