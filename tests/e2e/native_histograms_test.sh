#!/usr/bin/env bash
# End to end: a real Prometheus 2.42 with --enable-feature=native-histograms
# scrapes the example metrics server started with --native-histograms, over
# the protobuf format it negotiates, and PromQL over the native series of
# semstreams_processing_duration_seconds agrees with what the example observed.
#
#   native_histograms_test.sh <path to examples/metrics_server>
#
# The example's "ingest" service receives one message per 20 ms tick and
# observes its validate duration, uniform in [0.5 ms, 20 ms): so
#  - histogram_count(rate(...[1m])) must equal rate(messages_received[1m]),
#    scraped in the same scrapes (one observation per message);
#  - histogram_quantile(0.9, ...) must be within one bucket (factor 1.1 is
#    schema 3: buckets 2^(1/8) = 9.05% wide) of the true 0.9 quantile,
#    18.05 ms, plus sampling noise.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: native_histograms_test.sh <metrics_server binary>}
query_timeout=${E2E_QUERY_TIMEOUT:-120}

port=$(free_port)
start_example "$bin" "$port" --native-histograms
HARNESS_PROM_FLAGS="--enable-feature=native-histograms"
start_prometheus "127.0.0.1:$port" /metrics
echo "example: $EXAMPLE_URL, prometheus: $PROM_URL"

# What the server answers Prometheus 2.42's native-histogram Accept header.
accept='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3'
headers="$HARNESS_TMP/headers"
curl -fsS -H "Accept: $accept" -D "$headers" -o "$HARNESS_TMP/body.pb" "$EXAMPLE_URL"
check 'Prometheus'"'"'s native-histogram Accept header gets protobuf' \
  grep -iq '^content-type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited' "$headers"

check 'Prometheus scrapes the target' wait_for_query 'up{job="semstreams"} == 1' "$query_timeout"
native='semstreams_processing_duration_seconds{service="ingest",operation="validate"}'
check 'the native series arrives' wait_for_query "histogram_count($native)" "$query_timeout"

# Let a minute of native samples accumulate, polling rather than sleeping.
wait_minute() {
  local deadline=$(($(date +%s) + query_timeout)) json n
  while :; do
    json=$(prom_query "count_over_time(up{job=\"semstreams\"}[1m])")
    n=$(prom_first_value "$json" 2>/dev/null || echo 0)
    python3 -c "import sys; sys.exit(0 if float('$n') >= 50 else 1)" && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { echo "only $n scrapes in the last minute" >&2; return 1; }
    sleep 1
  done
}
check 'a minute of scrapes' wait_minute

# agree EXPR_A EXPR_B REL_TOLERANCE: both instant queries at one time agree.
agree() {
  local at a b
  at=$(date +%s)
  a=$(curl -fsS --get --data-urlencode "query=$1" --data-urlencode "time=$at" "$PROM_URL/api/v1/query")
  b=$(curl -fsS --get --data-urlencode "query=$2" --data-urlencode "time=$at" "$PROM_URL/api/v1/query")
  python3 - "$a" "$b" "$3" "$1" "$2" <<'PY'
import json, sys
a, b, tol = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
va, vb = float(a["data"]["result"][0]["value"][1]), float(b["data"]["result"][0]["value"][1])
print("%s = %.6g, %s = %.6g" % (sys.argv[4], va, sys.argv[5], vb))
assert vb > 0 and abs(va / vb - 1) <= tol, "off by %.2f%% (allowed %.2f%%)" % (100 * abs(va / vb - 1), 100 * tol)
PY
}

check 'histogram_count(rate(native[1m])) equals the rate of messages received' \
  agree "histogram_count(rate($native[1m]))" \
  'rate(semstreams_messages_received_total{service="ingest"}[1m])' 0.02
# The true 0.9 quantile of uniform [0.5, 20) ms; one schema-3 bucket (9.05%)
# plus 2% for sampling over ~3000 observations.
check 'histogram_quantile(0.9, rate(native[1m])) is within the schema'"'"'s error of 18.05 ms' \
  agree "histogram_quantile(0.9, rate($native[1m]))" 'vector(0.01805)' 0.11
check 'histogram_sum / histogram_count is the mean, 10.25 ms' \
  agree "histogram_sum(rate($native[1m])) / histogram_count(rate($native[1m]))" 'vector(0.01025)' 0.05

# Classic buckets stay. Prometheus 2.42 ingests only the native part of a
# histogram that has both (scrape_classic_histograms came in 2.45), so the
# classic _bucket series arrive at every scraper that does not ask for
# protobuf: a second Prometheus, without the feature flag, shows it.
curl -fsS -o "$HARNESS_TMP/body.txt" "$EXAMPLE_URL"
check 'classic _bucket series are still exposed' \
  grep -Eq '^semstreams_processing_duration_seconds_bucket\{.*operation="validate".*le="0.005"' "$HARNESS_TMP/body.txt"
native_prom=$PROM_URL
HARNESS_PROM_FLAGS=""
start_prometheus "127.0.0.1:$port" /metrics
check 'classic _bucket series reach a Prometheus without the flag' wait_for_query \
  'semstreams_processing_duration_seconds_bucket{service="ingest",operation="validate",le="0.025"}' "$query_timeout"
check 'and its classic histogram_quantile agrees with the native one within the classic bucket' \
  python3 - "$(PROM_URL=$native_prom prom_query "histogram_quantile(0.9, rate($native[1m]))")" \
  "$(wait_for_query "histogram_quantile(0.9, rate(semstreams_processing_duration_seconds_bucket{service=\"ingest\",operation=\"validate\"}[1m]))" "$query_timeout")" <<'PY'
import json, sys
native = float(json.loads(sys.argv[1])["data"]["result"][0]["value"][1])
classic = float(json.loads(sys.argv[2])["data"]["result"][0]["value"][1])
print("native %.6g, classic %.6g" % (native, classic))
# DefBuckets put 18.05 ms in (0.01, 0.025]: both estimates must be in it.
assert 0.01 < native <= 0.025 and 0.01 < classic <= 0.025
PY

harness_finish
