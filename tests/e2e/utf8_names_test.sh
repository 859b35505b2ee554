#!/usr/bin/env bash
# End to end: a counter named svc.requests.served with a label http.method,
# scraped by Prometheus 3.5.3 (which allows UTF-8 names) and by Debian's 2.42
# (which does not).
#
#   utf8_names_test.sh <late_counter binary> <prometheus 3 .deb>
#
# 3.5.3 stores {"svc.requests.served_total", "http.method"="GET"}; 2.42
# stores svc_requests_served_total{http_method="GET"}; promtool and the
# python OpenMetrics parser accept what a legacy scraper gets.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: utf8_names_test.sh <late_counter binary> <prometheus .deb>}
deb=${2:?usage: utf8_names_test.sh <late_counter binary> <prometheus .deb>}
[ -r "$deb" ] || fail "cannot read $deb"
dpkg-deb -x "$deb" "$HARNESS_TMP/prometheus-deb"
system_path=$PATH

port=$(free_port)
start_example "$bin" "$port" --delay 0

# Prometheus 3.5.3, default configuration.
export PATH="$HARNESS_TMP/prometheus-deb/usr/bin:$system_path"
echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"
start_prometheus "127.0.0.1:$port" /metrics
json=$(wait_for_query '{"svc.requests.served_total", "http.method"="GET"}' 30) ||
  fail "Prometheus 3 has no {\"svc.requests.served_total\"}"
echo "3.5.3: $json"
check "Prometheus 3.5.3 stores the UTF-8 name and label" test "$(prom_first_value "$json")" = 1
kill "$PROM_PID"
wait_for_exit "$PROM_PID" 30 || fail "Prometheus 3 did not stop"

# Prometheus 2.42, the system's.
export PATH=$system_path
echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"
start_prometheus "127.0.0.1:$port" /metrics
json=$(wait_for_query 'svc_requests_served_total{http_method="GET"}' 30) ||
  fail "Prometheus 2.42 has no svc_requests_served_total"
echo "2.42: $json"
check "Prometheus 2.42 stores the name escaped with underscores" \
  test "$(prom_first_value "$json")" = 1

# What legacy scrapers get parses with promtool and the python parser.
curl -fsS "http://127.0.0.1:$port/metrics" >"$HARNESS_TMP/legacy.txt"
# Parsed (exit 0), or parsed with lint remarks only (exit 3): the NATS RTT
# gauge's milliseconds, and this counter's name, which text writes as
# registered (as Go does), without _total.
promtool_parses() {
  local out rc=0
  out=$(promtool check metrics <"$1" 2>&1) || rc=$?
  echo "$out"
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 3 ] || return 1
  ! grep -v -e 'semstreams_nats_rtt_milliseconds use base unit' \
    -e 'svc_requests_served counter metrics should have "_total" suffix' <<<"$out" | grep -q .
}
check "promtool accepts the text a legacy scraper gets" promtool_parses "$HARNESS_TMP/legacy.txt"
curl -fsS -H "Accept: application/openmetrics-text;version=1.0.0" \
  "http://127.0.0.1:$port/metrics" >"$HARNESS_TMP/legacy.om"
check "the python OpenMetrics parser accepts it" \
  /usr/bin/python3 "$(dirname "$0")/../ecosystem/parse_openmetrics.py" "$HARNESS_TMP/legacy.om"
check "no quoted name reaches a legacy scraper" \
  bash -c "! grep -q '\"svc' '$HARNESS_TMP/legacy.txt' '$HARNESS_TMP/legacy.om'"

harness_finish
