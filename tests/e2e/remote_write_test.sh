#!/usr/bin/env bash
# End to end: a RemoteWriter into a real Prometheus receiver. Prometheus 3
# (SEMSTREAMS_E2E_PROMETHEUS_DEB) gets Remote-Write 2.0, native histogram
# included; the system's 2.42 gets 1.0. The values written come back from
# PromQL under the external labels; then Start(1s) for 30 s leaves no gap in
# the series, from one writer thread; then a receiver behind TLS and basic
# auth (its --web.config.file) takes the write with the right CA and
# credentials only.
#
#   remote_write_test.sh <remote_write_client binary> [examples/remote_write binary]
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

client=${1:?usage: remote_write_test.sh <remote_write_client binary> [remote_write example]}
example=${2:-}
version=$(prometheus --version 2>&1 | sed -n 's/^prometheus, version \([0-9]*\)\..*/\1/p')
echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"
features="exemplar-storage"
if [ "$version" -ge 3 ]; then
  protocol=2
  receiver="--web.remote-write-receiver.accepted-protobuf-messages=io.prometheus.write.v2.Request"
  features="$features,native-histograms"
else
  protocol=1
  receiver=""
fi
export HARNESS_PROM_SCRAPE_CONFIGS="  []"
export HARNESS_PROM_FLAGS="--web.enable-remote-write-receiver $receiver --enable-feature=$features"
start_prometheus unused /unused
url="$PROM_URL/api/v1/write"

"$client" "$url" "$protocol" || fail "the write was refused"
selector='job="rw-e2e",instance="edge-7"'
value_of() {
  local json
  json=$(wait_for_query "$1" 20) || fail "no result for $1: $json"
  prom_first_value "$json"
}
expect() {
  local got
  got=$(value_of "$1")
  check "$1 = $2 (got $got)" python3 -c "import sys; sys.exit(abs(float('$got') - $2) > 1e-9)"
}
expect "rw_test_events_total{$selector}" 7
expect "rw_test_temperature_celsius{$selector}" 21.5
expect "rw_test_latency_seconds_bucket{$selector,le=\"0.1\"}" 1
expect "rw_test_latency_seconds_bucket{$selector,le=\"0.5\"}" 3
# le as Prometheus 3 stores a scraped bound, so written and scraped series match.
expect "rw_test_latency_seconds_bucket{$selector,le=\"1.0\"}" 3
expect "rw_test_latency_seconds_bucket{$selector,le=\"+Inf\"}" 4
expect "rw_test_latency_seconds_sum{$selector}" 2.65
expect "rw_test_latency_seconds_count{$selector}" 4
if [ "$protocol" = 2 ]; then
  expect "histogram_count(rw_test_size_seconds{$selector})" 4
  expect "histogram_sum(rw_test_size_seconds{$selector})" 2.65
  # 0.3 and 0.3 share a bucket: at most 1/8 of a power of two off.
  expect "round(histogram_quantile(0.5, rw_test_size_seconds{$selector}), 0.1)" 0.3
else
  check "1.0 sends no native histogram" \
    test "$(prom_result_count "$(prom_query "rw_test_size_seconds{$selector}")")" = 0
  # 2.42 reads a 2.0 body as an empty 1.0 request and answers 204: the
  # writer must see that nothing was confirmed, not report success.
  if "$client" "$url" 2 2>"$HARNESS_TMP/v2.err"; then
    fail "a 2.0 write into a 1.0-only receiver was reported as delivered"
  fi
  check "a 2.0 write into a 1.0-only receiver fails, naming the fix ($(cat "$HARNESS_TMP/v2.err"))" \
    grep -q "use protocol_version 1" "$HARNESS_TMP/v2.err"
fi

now=$(date +%s)
exemplars=$(curl -fsS --get --data-urlencode "query=rw_test_events_total" \
  --data-urlencode "start=$((now - 600))" --data-urlencode "end=$((now + 60))" \
  "$PROM_URL/api/v1/query_exemplars")
check "the counter's exemplar is stored" grep -q '"trace_id":"rw-trace"' <<<"$exemplars"

# Start(1s) for 30 s: one thread, and a sample every second.
out="$HARNESS_TMP/periodic.out"
started=$(date +%s.%N)
"$client" "$url" "$protocol" 30 >"$out" || fail "a periodic write failed: $(cat "$out")"
check "Start() adds one thread ($(cat "$out"))" grep -qx 'writer threads 1' "$out"
samples=$(prom_query "rw_test_events_total{$selector}[40s]")
python3 - "$samples" "$started" <<'PY' || fail "the written series has gaps"
import json, sys
values = json.loads(sys.argv[1])["data"]["result"][0]["values"]
# Only this run's samples: the single write above is older.
times = [float(t) for t, _ in values if float(t) >= float(sys.argv[2])]
gaps = [b - a for a, b in zip(times, times[1:])]
print("samples: %d, widest gap: %.3f s" % (len(times), max(gaps)))
sys.exit(0 if len(times) >= 29 and max(gaps) < 1.5 else 1)
PY
check "a sample every second for 30 s" true

if [ -n "$example" ]; then
  "$example" --url "$url" --protocol "$protocol" --interval-ms 500 --duration 3 \
    >"$HARNESS_TMP/example.out" 2>&1 || fail "the example failed: $(cat "$HARNESS_TMP/example.out")"
  check "the example's last write arrived" grep -q "receiver has the final values" "$HARNESS_TMP/example.out"
  check "the example's counters are in the receiver" wait_for_query \
    'semstreams_messages_processed_total{job="remote_write_example",instance="edge-1"}' 10
fi

# TLS with a CA made here, and basic auth ("prometheus", "fakepassword": the
# bcrypt hash is the one exporter-toolkit's docs give).
tls="$HARNESS_TMP/tls"
make_tls_certs "$tls"
cat >"$tls/web.yml" <<'YAML'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi
YAML
secure_port=$(free_port)
mkdir -p "$tls/data"
# shellcheck disable=SC2086  # HARNESS_PROM_FLAGS is a list of flags
prometheus --config.file="$(ls "$HARNESS_TMP"/prometheus-*/prometheus.yml | head -n 1)" \
  --storage.tsdb.path="$tls/data" --web.listen-address="127.0.0.1:$secure_port" \
  --web.config.file="$tls/web.yml" $HARNESS_PROM_FLAGS >"$tls/prometheus.log" 2>&1 &
harness_track $!
_harness_logs+=("$tls/prometheus.log")
secure="https://127.0.0.1:$secure_port"
deadline=$(_deadline "$E2E_START_TIMEOUT")
until curl -fsS -o /dev/null --cacert "$tls/ca.crt" -u prometheus:fakepassword "$secure/-/ready" 2>/dev/null; do
  _before "$deadline" || fail "the TLS receiver never became ready"
  sleep 0.2
done
if RW_CA_FILE="$tls/ca.crt" RW_USER=prometheus RW_PASSWORD=wrong \
  "$client" "$secure/api/v1/write" "$protocol" 2>"$HARNESS_TMP/denied.err"; then
  fail "a write with a wrong password was reported as delivered"
fi
check "a wrong password: refused, naming 401 ($(cat "$HARNESS_TMP/denied.err"))" \
  grep -q "status code 401" "$HARNESS_TMP/denied.err"
if RW_USER=prometheus RW_PASSWORD=fakepassword \
  "$client" "$secure/api/v1/write" "$protocol" 2>"$HARNESS_TMP/unverified.err"; then
  fail "a receiver whose certificate the system's CAs do not sign was trusted"
fi
check "without the CA the receiver is not trusted ($(cat "$HARNESS_TMP/unverified.err"))" true
RW_CA_FILE="$tls/ca.crt" RW_USER=prometheus RW_PASSWORD=fakepassword \
  "$client" "$secure/api/v1/write" "$protocol" || fail "the write over TLS was refused"
secure_value=$(curl -fsS --cacert "$tls/ca.crt" -u prometheus:fakepassword --get \
  --data-urlencode "query=rw_test_events_total{$selector}" "$secure/api/v1/query")
check "written over TLS with basic auth: 7 ($secure_value)" \
  test "$(prom_first_value "$secure_value")" = 7

harness_finish
