#include "semstreams/metric/core_metrics.h"

#include "detail/handle_access.h"
#include "detail/record_exemplar.h"
#include "detail/vec_core.h"

namespace semstreams::metric {
namespace {

using detail::HandleAccess;

constexpr const char* kNamespace = "semstreams";
// The exemplar label OpenTelemetry and Grafana look for.
constexpr std::string_view kTraceIdLabel = "trace_id";

// Options for a core family: every one lives in the semstreams namespace.
template <class Opts>
Opts Def(const char* name, const char* help) {
  Opts opts;
  opts.ns = kNamespace;
  opts.name = name;
  opts.help = help;
  return opts;
}

// The Record* methods go straight to the vector's cell lookup: no handle is
// built, so no reference count is touched on the hot path. The array is built
// from data() and size() separately: copying whole string_views makes the
// compiler reload an argument passed on the stack as one 16-byte load, which
// the CPU cannot forward from the caller's two 8-byte stores (a 4 ns stall).
template <class Metric, class... Values>
typename Metric::Cell& CellOf(const MetricVec<Metric>& vec, const Values&... values) {
  const std::string_view views[] = {std::string_view(values.data(), values.size())...};
  return *HandleAccess::CoreOf(vec).Find(views, sizeof...(Values));
}

HistogramOpts ProcessingDurationOpts(const CoreMetricsOptions& options) {
  auto opts =
      Def<HistogramOpts>("processing_duration_seconds", "Message processing duration in seconds");
  opts.native_histogram_bucket_factor = options.processing_duration_native_bucket_factor;
  opts.native_histogram_max_bucket_number = options.processing_duration_native_max_bucket_number;
  opts.native_histogram_min_reset_duration = options.processing_duration_native_min_reset_duration;
  return opts;
}

}  // namespace

CoreMetrics::CoreMetrics() : CoreMetrics(CoreMetricsOptions{}) {}

CoreMetrics::CoreMetrics(const CoreMetricsOptions& options)
    : ServiceStatus(NewGaugeVec(
          Def<GaugeOpts>("service_status",
                         "Service status (0=stopped, 1=starting, 2=running, 3=stopping, 4=failed)"),
          {"service"})),
      MessagesReceived(NewCounterVec(
          Def<CounterOpts>("messages_received_total", "Total number of messages received"),
          {"service", "type"})),
      MessagesProcessed(NewCounterVec(
          Def<CounterOpts>("messages_processed_total", "Total number of messages processed"),
          {"service", "type", "status"})),
      MessagesPublished(NewCounterVec(
          Def<CounterOpts>("messages_published_total", "Total number of messages published"),
          {"service", "subject"})),
      ProcessingDuration(
          NewHistogramVec(ProcessingDurationOpts(options), {"service", "operation"})),
      ErrorsTotal(NewCounterVec(Def<CounterOpts>("errors_total", "Total number of errors"),
                                {"service", "type"})),
      HealthCheckStatus(NewGaugeVec(
          Def<GaugeOpts>("health_status", "Health check status (0=unhealthy, 1=healthy)"),
          {"service"})),
      NATSConnected(NewGauge(Def<GaugeOpts>(
          "nats_connected", "NATS connection status (0=disconnected, 1=connected)"))),
      NATSRTT(NewGauge(
          Def<GaugeOpts>("nats_rtt_milliseconds", "NATS round-trip time in milliseconds"))),
      NATSReconnects(NewCounter(
          Def<CounterOpts>("nats_reconnects_total", "Total number of NATS reconnections"))),
      NATSCircuitBreaker(NewGauge(Def<GaugeOpts>(
          "nats_circuit_breaker", "NATS circuit breaker status (0=closed, 1=open, 2=half-open)"))),
      NATSMessages(NewCounterVec(
          Def<CounterOpts>("nats_messages_total", "Total number of NATS messages by subject"),
          {"subject"})) {}

void CoreMetrics::RecordServiceStatus(std::string_view service, int status) const noexcept {
  CellOf(ServiceStatus, service).Set(status);
}

void CoreMetrics::RecordMessageReceived(std::string_view service,
                                        std::string_view message_type) const noexcept {
  CellOf(MessagesReceived, service, message_type).Inc();
}

void CoreMetrics::RecordMessageProcessed(std::string_view service, std::string_view message_type,
                                         std::string_view status) const noexcept {
  CellOf(MessagesProcessed, service, message_type, status).Inc();
}

void CoreMetrics::RecordMessagePublished(std::string_view service,
                                         std::string_view subject) const noexcept {
  CellOf(MessagesPublished, service, subject).Inc();
}

void CoreMetrics::RecordProcessingDuration(std::string_view service, std::string_view operation,
                                           std::chrono::duration<double> duration) const noexcept {
  CellOf(ProcessingDuration, service, operation).Observe(duration.count());
}

void CoreMetrics::RecordProcessingDuration(std::string_view service, std::string_view operation,
                                           std::chrono::duration<double> duration,
                                           std::string_view trace_id) const noexcept {
  auto& cell = CellOf(ProcessingDuration, service, operation);
  if (trace_id.empty()) {
    cell.Observe(duration.count());
  } else {
    detail::ObserveWithExemplar(cell, duration.count(), {{kTraceIdLabel, trace_id}});
  }
}

void CoreMetrics::RecordError(std::string_view service,
                              std::string_view error_type) const noexcept {
  CellOf(ErrorsTotal, service, error_type).Inc();
}

void CoreMetrics::RecordError(std::string_view service, std::string_view error_type,
                              std::string_view trace_id) const noexcept {
  auto& cell = CellOf(ErrorsTotal, service, error_type);
  if (trace_id.empty()) {
    cell.Inc();
  } else {
    detail::AddWithExemplar(cell, 1, {{kTraceIdLabel, trace_id}});
  }
}

void CoreMetrics::RecordHealthStatus(std::string_view service, bool healthy) const noexcept {
  CellOf(HealthCheckStatus, service).Set(healthy ? 1 : 0);
}

void CoreMetrics::RecordNATSStatus(bool connected) const noexcept {
  NATSConnected.Set(connected ? 1 : 0);
}

void CoreMetrics::RecordNATSRTT(std::chrono::duration<double> rtt) const noexcept {
  NATSRTT.Set(std::chrono::duration<double, std::milli>(rtt).count());
}

void CoreMetrics::RecordNATSReconnect() const noexcept { NATSReconnects.Inc(); }

void CoreMetrics::RecordCircuitBreakerState(int state) const noexcept {
  NATSCircuitBreaker.Set(state);
}

void CoreMetrics::RecordMessagesProcessed(std::string_view service, std::int64_t n) const noexcept {
  if (n <= 0) return;
  CellOf(MessagesProcessed, service, std::string_view(), std::string_view("success"))
      .Add(static_cast<double>(n));
}

void CoreMetrics::RecordMessagesFailed(std::string_view service, std::int64_t n) const noexcept {
  if (n <= 0) return;
  CellOf(MessagesProcessed, service, std::string_view(), std::string_view("failed"))
      .Add(static_cast<double>(n));
}

void CoreMetrics::ObserveProcessingDuration(std::string_view service,
                                            double seconds) const noexcept {
  CellOf(ProcessingDuration, service, std::string_view()).Observe(seconds);
}

void CoreMetrics::RecordNATSHealth(double v) const noexcept { NATSConnected.Set(v); }

void CoreMetrics::RecordNATSMessages(std::string_view subject, std::int64_t n) const noexcept {
  if (n <= 0) return;
  CellOf(NATSMessages, subject).Add(static_cast<double>(n));
}

void CoreMetrics::RecordPanic(std::string_view service) const noexcept {
  CellOf(ErrorsTotal, service, std::string_view("panic")).Inc();
}

}  // namespace semstreams::metric
