#!/usr/bin/env bash
# End to end: the example metrics server scraped by a real Prometheus.
#
#   prometheus_scrape_test.sh <path to examples/metrics_server>
#
# Asserts through Prometheus's query API that the target is up and that every
# family the example records arrives, that rate() over processed messages has
# data, and checks the HTTP endpoints directly: /metrics passes
# `promtool check metrics` (parse and lint), /health is healthy JSON, / is an
# HTML index, anything else is 404. Every check runs; the test fails at the
# end if any did.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: prometheus_scrape_test.sh <metrics_server binary>}
query_timeout=${E2E_QUERY_TIMEOUT:-30}

port=$(free_port)
start_example "$bin" "$port"
echo "example: $EXAMPLE_URL (pid $EXAMPLE_PID)"
check "the printed address names port $port and /metrics" \
  grep -Eq "^http://[^/]+:$port/metrics\$" <<<"$EXAMPLE_URL"

start_prometheus "127.0.0.1:$port" /metrics
echo "prometheus: $PROM_URL (pid $PROM_PID)"

# query_has_data EXPR: EXPR returns at least one sample before the deadline.
query_has_data() { wait_for_query "$1" "$query_timeout" >/dev/null; }

check 'up{job="semstreams"} == 1' query_has_data 'up{job="semstreams"} == 1'

series=(
  semstreams_service_status
  semstreams_messages_received_total
  semstreams_messages_processed_total
  semstreams_messages_published_total
  semstreams_processing_duration_seconds_bucket
  semstreams_processing_duration_seconds_sum
  semstreams_processing_duration_seconds_count
  semstreams_errors_total
  semstreams_health_status
  semstreams_nats_connected
  semstreams_nats_rtt_milliseconds
  semstreams_nats_reconnects_total
  semstreams_nats_circuit_breaker
  semstreams_nats_messages_total
  process_cpu_seconds_total
  process_resident_memory_bytes
  process_virtual_memory_bytes
  process_open_fds
  process_max_fds
  process_start_time_seconds
  ingest_operations_total
  enricher_queue_depth
  enricher_lookup_duration_seconds_bucket
)
for name in "${series[@]}"; do
  check "series $name is scraped" query_has_data "$name{job=\"semstreams\"}"
done

check 'both services report status running (2)' query_has_data \
  'count(semstreams_service_status{job="semstreams",service=~"ingest|enricher"} == 2) == 2'
check 'NATS reported connected' query_has_data 'semstreams_nats_connected{job="semstreams"} == 1'
check 'rate() over processed messages is non-empty and positive' query_has_data \
  'sum(rate(semstreams_messages_processed_total{job="semstreams",status="success"}[5s])) > 0'
check 'histogram_quantile over processing duration has data' query_has_data \
  'histogram_quantile(0.9, sum by (le) (rate(semstreams_processing_duration_seconds_bucket{job="semstreams"}[5s])))'

base="http://127.0.0.1:$port"

metrics="$HARNESS_TMP/metrics.txt"
headers="$HARNESS_TMP/metrics.headers"
curl -fsS -D "$headers" -o "$metrics" "$base/metrics"
check '/metrics is served as text/plain' grep -iq '^content-type: text/plain' "$headers"
check '/metrics passes promtool check metrics' promtool_check_metrics "$metrics"

health=$(curl -fsS -D "$HARNESS_TMP/health.headers" "$base/health")
echo "/health: $health"
check '/health is application/json' grep -iq '^content-type: application/json' "$HARNESS_TMP/health.headers"
check '/health says healthy with an RFC 3339 UTC timestamp' python3 -c '
import json, re, sys
body = json.loads(sys.argv[1])
assert body["status"] == "healthy", body
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["timestamp"]), body
' "$health"

index=$(curl -fsS "$base/")
check '/ is HTML' grep -iq '<html' <<<"$index"
check '/ links to /metrics' grep -q 'href="/metrics"' <<<"$index"
check '/ links to /health' grep -q 'href="/health"' <<<"$index"

status_of() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
check 'an unknown path is 404' test "$(status_of "$base/no-such-page")" = 404

harness_finish
