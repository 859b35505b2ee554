#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "semstreams/metric/status.h"

namespace semstreams::metric {

class MetricsRegistry;

/// \brief Where and how a RemoteWriter sends. Every field has an initialiser,
/// so designated initialisers that skip some compile cleanly under -Wextra;
/// fields are appended at the end only.
struct RemoteWriteOptions {
  /// The receiver, e.g. "http://receiver:9090/api/v1/write"; http or https.
  std::string url{};
  /// 1: prometheus.WriteRequest (Remote-Write 1.0), understood by every
  /// receiver; 2: io.prometheus.write.v2.Request (Remote-Write 2.0), which
  /// adds metadata, created timestamps and native histograms.
  int protocol_version = 2;
  /// Labels added to every series, e.g. job and instance, which a scraper
  /// would otherwise add. A series' own label of the same name is replaced.
  std::map<std::string, std::string> external_labels{};
  /// Extra request headers, e.g. "Authorization" or "X-Scope-OrgID". The
  /// headers the protocol defines cannot be overridden.
  std::map<std::string, std::string> headers{};
  /// HTTP basic auth, sent when the user is not empty.
  std::string basic_auth_user{}, basic_auth_password{};
  /// Bounds one Write(), back-off and retries included (must be > 0).
  std::chrono::milliseconds timeout{10000};

  /// TLS for https URLs, as Prometheus' tls_config: a PEM CA bundle to
  /// verify the receiver ("" = the system's), a client certificate and key
  /// for mTLS, and, for tests only, no verification at all.
  std::string ca_file{}, cert_file{}, key_file{};
  bool insecure_skip_verify = false;
  /// Back-off between retries of a write that got a 5xx, a 429 or no answer:
  /// doubled from min_backoff up to max_backoff (Prometheus' queue_config
  /// defaults). A Retry-After header, when sent, is honoured instead.
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5000};
  /// Protocol 2 sends native histograms as native samples; false sends
  /// only their classic series, for receivers that refuse native histograms
  /// (Prometheus 3.5 without --enable-feature=native-histograms answers the
  /// whole write with 500).
  bool send_native_histograms = true;
};

/// \brief Sends what a registry holds to a Prometheus remote-write receiver
/// (Prometheus, Mimir, Thanos Receive, VictoriaMetrics, ...), for services no
/// scraper reaches.
///
///   RemoteWriter writer(registry, {.url = "http://receiver:9090/api/v1/write",
///                                  .external_labels = {{"job", "edge"}}});
///   writer.Start(std::chrono::seconds(15));   // ... and writer.Stop() at exit
///
/// Every write sends one snapshot, snappy-compressed, with every sample
/// stamped with the time of the snapshot. Nothing is buffered: a write that
/// fails after its retries is dropped, its samples are counted in
/// semstreams_metric_remote_write_samples_failed_total{remote}, and the next
/// write sends the then current values (counters lose no increments, only
/// points in time). Retries back off on 5xx, 429 and transport errors, never
/// on other 4xx. The class is thread-safe; writes are serialised.
class RemoteWriter {
 public:
  /// \brief A writer of `registry`; invalid options (kInvalidArgument) or a
  /// null registry (kNilRegistry) are reported by Error(), Write() and
  /// Start(), and nothing is sent.
  RemoteWriter(std::shared_ptr<MetricsRegistry> registry, RemoteWriteOptions options);
  RemoteWriter(const RemoteWriter&) = delete;
  RemoteWriter& operator=(const RemoteWriter&) = delete;
  /// \brief Stop(): a started writer makes its last write.
  ~RemoteWriter();

  /// \brief Sends one snapshot now. kPushFailed names the status and the
  /// receiver's answer, or the transport error, when it could not be sent
  /// within the timeout; with protocol 2 also a 2xx that does not confirm
  /// the write (X-Prometheus-Remote-Write-Samples-Written), which is what a
  /// receiver that only speaks 1.0 answers after storing nothing.
  Status Write();
  /// \brief Writes every `interval` on a thread of its own, until Stop().
  /// kInvalidArgument for a non-positive interval or invalid options,
  /// kAlreadyRunning when already started.
  Status Start(std::chrono::milliseconds interval);
  /// \brief Stops the thread, then makes one last write, which does not
  /// wait to retry: a receiver that is down holds Stop() for one request
  /// (at most the timeout), never for a back-off. A write waiting to retry
  /// meanwhile gives up. Does nothing when not started.
  void Stop();

  /// \brief The first configuration error, or ok().
  Status Error() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace semstreams::metric
