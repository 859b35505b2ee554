#pragma once

namespace semstreams::metric::testing {

/// \brief The Accept header Prometheus 2.42 sends with every scrape.
inline constexpr const char* kPrometheus242Accept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// \brief The one it sends with --enable-feature=native-histograms.
inline constexpr const char* kPrometheus242NativeHistogramsAccept =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
    "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// \brief What Prometheus 3.5.3 sends by default (metric names may be UTF-8).
inline constexpr const char* kPrometheus353Accept =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

}  // namespace semstreams::metric::testing
