#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "semstreams/metric/family.h"

namespace semstreams::metric::detail {

/// One snapshot as a remote-write request body (protobuf, not yet
/// compressed) and what it carries, for the writer's own counters. Encoding
/// into the same EncodedWrite again reuses its memory: a body of megabytes
/// allocated afresh each time costs more in page faults than the encoding.
struct EncodedWrite {
  std::string body;
  std::uint64_t samples = 0;     ///< float samples
  std::uint64_t histograms = 0;  ///< native histogram samples
  std::uint64_t exemplars = 0;
  std::string series_scratch;  ///< 2.0's series, written before the symbol table
};

/// What every series of a write shares.
struct WriteContext {
  /// Added to every series, replacing a series' own label of the same name;
  /// sorted by name, names unique.
  std::vector<Label> external_labels;
  /// The sample time of every series without a timestamp of its own.
  std::int64_t timestamp_ms = 0;
  /// 2.0 only: native histograms as native samples; when false, as 1.0
  /// sends them (their classic series).
  bool native_histograms = true;
};

/// prometheus.WriteRequest (Remote-Write 1.0): classic series only, as
/// Prometheus sends without send_native_histograms; histograms and
/// summaries flattened into their _bucket/quantile, _sum and _count series;
/// one MetricMetadata per family.
void EncodeWriteRequestV1(const std::vector<Family>& families, const WriteContext& context,
                          EncodedWrite& out);

/// io.prometheus.write.v2.Request (Remote-Write 2.0): labels as references
/// into one symbol table, metadata and created timestamps on every series,
/// native histograms as Histogram samples beside the classic series.
void EncodeWriteRequestV2(const std::vector<Family>& families, const WriteContext& context,
                          EncodedWrite& out);

/// The same, into a new EncodedWrite.
inline EncodedWrite EncodeWriteRequestV1(const std::vector<Family>& families,
                                         const WriteContext& context) {
  EncodedWrite out;
  EncodeWriteRequestV1(families, context, out);
  return out;
}
inline EncodedWrite EncodeWriteRequestV2(const std::vector<Family>& families,
                                         const WriteContext& context) {
  EncodedWrite out;
  EncodeWriteRequestV2(families, context, out);
  return out;
}

}  // namespace semstreams::metric::detail
