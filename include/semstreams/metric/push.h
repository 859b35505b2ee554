#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/collectable.h"
#include "semstreams/metric/status.h"

namespace semstreams::metric {

/// \brief Pushes what registries gather to a Prometheus Pushgateway, for jobs
/// too short-lived to be scraped (client_golang's push.Pusher).
///
///   Status s = Pusher("http://pushgateway:9091", "nightly_backup")
///                  .Grouping("instance", "db-1")
///                  .Gatherer(registry)
///                  .Push();
///
/// Configuration methods record the first invalid argument; Push(), Add() and
/// Delete() then return it (kInvalidArgument) without sending anything. A
/// failed request gives kPushFailed with the HTTP status and the gateway's
/// answer, or libcurl's transport error. No call throws, and none takes longer
/// than the timeout. Configure first, then push: Push(), Add(), Delete() and
/// the other const methods may run concurrently; a configuration method must
/// not run concurrently with anything else on the same Pusher.
class Pusher {
 public:
  /// \brief A pusher for `job` at the gateway `url` ("host:port" means
  /// "http://host:port"); an empty job is an error reported by every push.
  Pusher(std::string url, std::string job);

  /// \brief Adds a grouping label: the group is identified by the job and
  /// every grouping label. Values may be any bytes, "/" and "" included.
  Pusher& Grouping(std::string name, std::string value);
  /// \brief Sends HTTP basic auth credentials with every request.
  Pusher& BasicAuth(std::string user, std::string password);
  /// \brief Adds a source of metrics, e.g. a MetricsRegistry or a
  /// prometheus::Registry; families of the same name are merged. Kept alive
  /// by the pusher. A null pointer is an error.
  Pusher& Gatherer(std::shared_ptr<const prometheus::Collectable> gatherer);
  /// \brief Bounds each request, connecting included (default 10 s; must be > 0).
  Pusher& Timeout(std::chrono::milliseconds timeout);

  /// \brief Replaces every metric of the group with what the gatherers hold
  /// now (HTTP PUT).
  Status Push() const;
  /// \brief Replaces only the pushed families of the group, keeping the
  /// others (HTTP POST).
  Status Add() const;
  /// \brief Deletes the whole group from the gateway (HTTP DELETE).
  Status Delete() const;

  /// \brief The first configuration error, or ok().
  Status Error() const { return error_; }
  /// \brief The group's URL: url/metrics/job/<job>{/<name>/<value>}, with
  /// values path-escaped, or base64url-encoded under "<name>@base64" when
  /// they contain "/" or are empty.
  std::string GroupUrl() const;

 private:
  Status Send(const char* method, bool with_body) const;

  std::string url_;
  std::string job_;
  std::vector<std::pair<std::string, std::string>> grouping_;
  std::vector<std::shared_ptr<const prometheus::Collectable>> gatherers_;
  bool basic_auth_ = false;
  std::string user_;
  std::string password_;
  std::chrono::milliseconds timeout_{10000};
  Status error_;
};

}  // namespace semstreams::metric
