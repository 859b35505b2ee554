#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/gauge.h"
#include "semstreams/metric/vec.h"

namespace semstreams::metric {

/// \brief How the core families are built; the defaults give Go's output.
struct CoreMetricsOptions {
  /// \brief > 1 gives semstreams_processing_duration_seconds native buckets
  /// beside its classic ones (1.1: 8 buckets per power of two, error under
  /// 5%); scraped over protobuf by Prometheus with native histograms enabled.
  double processing_duration_native_bucket_factor = 0;
  /// \brief Native bucket limit per series (NativeHistogramMaxBucketNumber).
  std::uint32_t processing_duration_native_max_bucket_number = 160;
  /// \brief Over the limit, a series resets at most this often
  /// (NativeHistogramMinResetDuration); before that the resolution halves.
  std::chrono::nanoseconds processing_duration_native_min_reset_duration = std::chrono::hours(1);
};

/// \brief The platform-level metrics every semstreams service shares
/// (Go's metric.Metrics), all in the "semstreams" namespace.
///
/// The members are handles: a copy of a CoreMetrics records into the same
/// families. Every Record* method takes no lock on an existing label set,
/// allocates nothing then, and never throws. The class is thread-safe. No
/// concurrent call to any API of this type causes a data race.
class CoreMetrics {
 public:
  /// \brief Creates the families, unregistered; NewMetricsRegistry() registers its own.
  CoreMetrics();
  /// \brief Creates the families with `options`, unregistered.
  explicit CoreMetrics(const CoreMetricsOptions& options);

  /// \brief semstreams_service_status{service}: 0=stopped 1=starting 2=running 3=stopping 4=failed.
  GaugeVec ServiceStatus;
  /// \brief semstreams_messages_received_total{service,type}.
  CounterVec MessagesReceived;
  /// \brief semstreams_messages_processed_total{service,type,status}.
  CounterVec MessagesProcessed;
  /// \brief semstreams_messages_published_total{service,subject}.
  CounterVec MessagesPublished;
  /// \brief semstreams_processing_duration_seconds{service,operation}, DefBuckets().
  HistogramVec ProcessingDuration;
  /// \brief semstreams_errors_total{service,type}.
  CounterVec ErrorsTotal;
  /// \brief semstreams_health_status{service}: 0=unhealthy 1=healthy.
  GaugeVec HealthCheckStatus;
  /// \brief semstreams_nats_connected: 0=disconnected 1=connected.
  Gauge NATSConnected;
  /// \brief semstreams_nats_rtt_milliseconds.
  Gauge NATSRTT;
  /// \brief semstreams_nats_reconnects_total.
  Counter NATSReconnects;
  /// \brief semstreams_nats_circuit_breaker: 0=closed 1=open 2=half-open.
  Gauge NATSCircuitBreaker;
  /// \brief semstreams_nats_messages_total{subject}.
  CounterVec NATSMessages;

  /// \brief Sets service_status{service} (0=stopped 1=starting 2=running 3=stopping 4=failed).
  void RecordServiceStatus(std::string_view service, int status) const noexcept;
  /// \brief Adds 1 to messages_received_total{service,type}.
  void RecordMessageReceived(std::string_view service,
                             std::string_view message_type) const noexcept;
  /// \brief Adds 1 to messages_processed_total{service,type,status}.
  void RecordMessageProcessed(std::string_view service, std::string_view message_type,
                              std::string_view status) const noexcept;
  /// \brief Adds 1 to messages_published_total{service,subject}.
  void RecordMessagePublished(std::string_view service, std::string_view subject) const noexcept;
  /// \brief Observes `duration` (exported in seconds) in
  /// processing_duration_seconds{service,operation}.
  void RecordProcessingDuration(std::string_view service, std::string_view operation,
                                std::chrono::duration<double> duration) const noexcept;
  /// \brief As above, keeping {trace_id="<trace_id>"} as the bucket's newest
  /// exemplar (none when `trace_id` is empty).
  void RecordProcessingDuration(std::string_view service, std::string_view operation,
                                std::chrono::duration<double> duration,
                                std::string_view trace_id) const noexcept;
  /// \brief Adds 1 to errors_total{service,type}.
  void RecordError(std::string_view service, std::string_view error_type) const noexcept;
  /// \brief As above, keeping {trace_id="<trace_id>"} as the newest exemplar
  /// (none when `trace_id` is empty).
  void RecordError(std::string_view service, std::string_view error_type,
                   std::string_view trace_id) const noexcept;
  /// \brief Sets health_status{service} to 1 when healthy, else 0.
  void RecordHealthStatus(std::string_view service, bool healthy) const noexcept;
  /// \brief Sets nats_connected to 1 when connected, else 0.
  void RecordNATSStatus(bool connected) const noexcept;
  /// \brief Sets nats_rtt_milliseconds; `rtt` is any std::chrono duration.
  void RecordNATSRTT(std::chrono::duration<double> rtt) const noexcept;
  /// \brief Adds 1 to nats_reconnects_total.
  void RecordNATSReconnect() const noexcept;
  /// \brief Sets nats_circuit_breaker (0=closed 1=open 2=half-open).
  void RecordCircuitBreakerState(int state) const noexcept;

  /// \brief Adds `n` to messages_processed_total{service,type="",status="success"}; n <= 0 is
  /// ignored.
  void RecordMessagesProcessed(std::string_view service, std::int64_t n) const noexcept;
  /// \brief Adds `n` to messages_processed_total{service,type="",status="failed"}; n <= 0 is
  /// ignored.
  void RecordMessagesFailed(std::string_view service, std::int64_t n) const noexcept;
  /// \brief Observes `seconds` in processing_duration_seconds{service,operation=""}.
  void ObserveProcessingDuration(std::string_view service, double seconds) const noexcept;
  /// \brief Sets nats_connected to `v` (1.0 = healthy).
  void RecordNATSHealth(double v) const noexcept;
  /// \brief Adds `n` to nats_messages_total{subject}; n <= 0 is ignored.
  void RecordNATSMessages(std::string_view subject, std::int64_t n) const noexcept;
  /// \brief Adds 1 to errors_total{service,type="panic"}.
  void RecordPanic(std::string_view service) const noexcept;
};

}  // namespace semstreams::metric
