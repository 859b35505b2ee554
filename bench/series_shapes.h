#pragma once

#include <array>
#include <string>

// Label values shaped like a real service's, so that hashing and comparing
// cost what they cost in production.
namespace semstreams::metric::bench {

inline const std::array<std::string, 4> kServices = {"ingest-service", "enrichment-service",
                                                     "graph-writer", "alert-router"};
inline const std::array<std::string, 4> kTypes = {
    "telemetry.sensor.reading", "telemetry.device.status", "command.ack", "event.audit"};
inline const std::array<std::string, 2> kStatuses = {"success", "failed"};

}  // namespace semstreams::metric::bench
