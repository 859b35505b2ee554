#pragma once

// Remote-write bodies decoded by the real libprotobuf against the schemas a
// real Prometheus binary carries. No Debian package ships the remote-write
// .proto files, but every Prometheus binary registers them (gogo-protobuf
// generated Go code) as gzipped FileDescriptorProtos; those are the schemas
// the receiver itself parses with, so they are what a body must match.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace semstreams::metric::testing {

/// Remote-Write 1.0's message (remote.proto, types.proto; Prometheus 2 and 3).
inline constexpr std::string_view kRemoteWriteV1Request = "prometheus.WriteRequest";
/// Remote-Write 2.0's message (io/prometheus/write/v2/types.proto; Prometheus 3).
inline constexpr std::string_view kRemoteWriteV2Request = "io.prometheus.write.v2.Request";

/// \brief The remote-write schemas of one Prometheus binary, and bodies
/// decoded with them into proto3 JSON.
class RemoteWriteDecoder {
 public:
  /// \brief Reads the schemas from `prometheus_binary`. Throws
  /// std::runtime_error when the file cannot be read or a schema found in it
  /// does not build; a binary without a schema still loads, and Decode says
  /// which schema it lacks.
  explicit RemoteWriteDecoder(const std::string& prometheus_binary);
  ~RemoteWriteDecoder();
  RemoteWriteDecoder(const RemoteWriteDecoder&) = delete;
  RemoteWriteDecoder& operator=(const RemoteWriteDecoder&) = delete;

  /// \brief True when the binary carries the schema of `message_type`.
  bool Knows(std::string_view message_type) const;
  /// \brief The .proto files found in the binary and built, by name.
  const std::vector<std::string>& files() const;

  /// \brief `body` (uncompressed protobuf) parsed as `message_type`, printed
  /// as proto3 JSON with the .proto's field names and every scalar field,
  /// set or not (int64 and uint64 values are JSON strings there: read them
  /// with JsonInt). Throws std::runtime_error, saying why, when the binary
  /// lacks the schema, the body does not parse, or it carries a field the
  /// schema does not know (a wrong field number would otherwise vanish).
  nlohmann::json Decode(std::string_view message_type, std::string_view body) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// \brief A raw (block format) snappy buffer, as remote write sends it,
/// uncompressed. Throws std::runtime_error when it is not valid snappy.
std::string SnappyUncompress(std::string_view compressed);

/// \brief `raw` compressed as snappy's block format.
std::string SnappyCompress(std::string_view raw);

/// \brief A proto3-JSON integer: a number, or a string for 64-bit fields.
std::int64_t JsonInt(const nlohmann::json& value);
/// \brief A proto3-JSON unsigned 64-bit integer (a string or a number).
std::uint64_t JsonUint(const nlohmann::json& value);
/// \brief A proto3-JSON double: a number, or "NaN", "Infinity", "-Infinity".
double JsonDouble(const nlohmann::json& value);

}  // namespace semstreams::metric::testing
