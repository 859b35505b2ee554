#!/usr/bin/env bash
# End to end: a real Prometheus 2.42 with exemplar storage scrapes the example
# metrics server, negotiates OpenMetrics, and /api/v1/query_exemplars returns
# the trace ids the example recorded.
#
#   exemplars_test.sh <path to examples/metrics_server> <parse_openmetrics.py>
#
# The example gives message n the trace id "5eed" + n in 28 hex digits, so a
# returned trace id is checked to be one the example recorded: of that form,
# with n no larger than the messages received so far, its value inside the
# bucket it is attached to.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: exemplars_test.sh <metrics_server binary> <parse_openmetrics.py>}
parser=${2:?usage: exemplars_test.sh <metrics_server binary> <parse_openmetrics.py>}
query_timeout=${E2E_QUERY_TIMEOUT:-30}

port=$(free_port)
start_example "$bin" "$port"
HARNESS_PROM_FLAGS="--enable-feature=exemplar-storage"
start_prometheus "127.0.0.1:$port" /metrics
echo "example: $EXAMPLE_URL, prometheus: $PROM_URL"

accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
om="$HARNESS_TMP/metrics.om"
headers="$HARNESS_TMP/metrics.headers"
# Wait for the first exemplar-carrying scrape body (the example records one every 20 ms).
deadline=$(($(date +%s) + query_timeout))
while :; do
  curl -fsS --compressed -H "Accept: $accept" -D "$headers" -o "$om" "$EXAMPLE_URL"
  grep -q ' # {trace_id="5eed' "$om" && break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 0.2
done
check "Prometheus's Accept header gets OpenMetrics 1.0.0" \
  grep -iq '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$headers"
check 'the body ends with # EOF' test "$(tail -n 1 "$om")" = '# EOF'
check 'the body carries exemplars' grep -q ' # {trace_id="5eed' "$om"
check 'python3-prometheus-client parses the example'"'"'s OpenMetrics' /usr/bin/python3 "$parser" "$om"

check 'Prometheus scrapes the target' wait_for_query 'up{job="semstreams"} == 1' "$query_timeout"

# query_exemplars JSON for EXPR over the last minute.
exemplars() {
  local now
  now=$(date +%s)
  curl -fsS --get --data-urlencode "query=$1" --data-urlencode "start=$((now - 60))" \
    --data-urlencode "end=$((now + 5))" "$PROM_URL/api/v1/query_exemplars"
}

# exemplars_valid JSON MAX_N [bucket]: every exemplar's trace id is one the
# example recorded (n <= MAX_N) and, for buckets, its value is within le.
exemplars_valid() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import json, re, sys
response, max_n, buckets = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "bucket"
assert response["status"] == "success", response
count = 0
for series in response["data"]:
    for exemplar in series["exemplars"]:
        trace_id = exemplar["labels"].get("trace_id", "")
        m = re.fullmatch(r"5eed([0-9a-f]{28})", trace_id)
        assert m, "not a trace id the example records: %r" % trace_id
        assert 1 <= int(m.group(1), 16) <= max_n, "trace id from the future: %r" % trace_id
        if buckets:
            assert float(exemplar["value"]) <= float(series["seriesLabels"]["le"]), (exemplar, series)
        count += 1
assert count > 0, "no exemplars"
print("%d exemplars, all recorded by the example" % count)
PY
}

check_exemplars() {
  local expr=$1 kind=${2:-} json received deadline
  deadline=$(($(date +%s) + query_timeout))
  while :; do
    json=$(exemplars "$expr" || true)
    received=$(prom_first_value "$(prom_query 'max(semstreams_messages_received_total{service="ingest"})')" 2>/dev/null || echo 0)
    # Prometheus saw the counter before the exemplars it queries now: allow the messages since.
    received=$(python3 -c "print(int(float('$received')) + 1000)")
    if [ -n "$json" ] && exemplars_valid "$json" "$received" "$kind" 2>/dev/null; then
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 0.5
  done
  echo "last response: $json" >&2
  exemplars_valid "$json" "$received" "$kind"
}

check 'query_exemplars returns the recorded trace ids on processing_duration buckets' \
  check_exemplars 'semstreams_processing_duration_seconds_bucket{service="ingest"}' bucket
check 'query_exemplars returns the recorded trace ids on errors_total' \
  check_exemplars 'semstreams_errors_total{service="ingest",type="validation"}'

harness_finish
