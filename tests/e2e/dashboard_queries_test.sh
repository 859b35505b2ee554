#!/usr/bin/env bash
# End to end: every PromQL expression of dashboards/semstreams-core.json, run
# against a real Prometheus scraping the example server, returns data without
# error; the alert rules load into that Prometheus and evaluate cleanly.
#
#   dashboard_queries_test.sh <path to examples/metrics_server>
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: dashboard_queries_test.sh <metrics_server binary>}
root=$(cd "$(dirname "$0")/../.." && pwd)
query_timeout=${E2E_QUERY_TIMEOUT:-60}

port=$(free_port)
start_example "$bin" "$port"
HARNESS_PROM_RULE_FILES="$root/alerts/semstreams.rules.yml"
start_prometheus "127.0.0.1:$port" /metrics
echo "example: $EXAMPLE_URL, prometheus: $PROM_URL"

# rate() needs two scrapes inside its window, histogram_quantile a rate of
# buckets: wait for both before judging the dashboard.
wait_for_query 'rate(semstreams_messages_processed_total[1m]) > 0' "$query_timeout" >/dev/null ||
  fail "no rate over processed messages within ${query_timeout}s"
wait_for_query 'histogram_quantile(0.99, sum by (le) (rate(semstreams_processing_duration_seconds_bucket[1m])))' \
  "$query_timeout" >/dev/null || fail "no processing-latency quantile within ${query_timeout}s"

check 'every dashboard query runs and returns data' \
  python3 "$root/tests/ecosystem/dashboard_queries.py" --prometheus "$PROM_URL" \
  --dashboard "$root/dashboards/semstreams-core.json" --rate-interval 1m --strict

rules_healthy() {
  local rules
  rules=$(curl -fsS "$PROM_URL/api/v1/rules")
  python3 - "$rules" <<'PY'
import json, sys
groups = json.loads(sys.argv[1])["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") != "ok"]
print(f"{len(rules)} rules loaded, unhealthy: {bad or 'none'}")
sys.exit(0 if rules and not bad else 1)
PY
}
# Rules are evaluated once per evaluation interval (1s); poll until they have been.
deadline=$(($(date +%s) + query_timeout))
until rules_healthy >/dev/null 2>&1 || [ "$(date +%s)" -ge "$deadline" ]; do
  wait_for_query 'vector(1)' 5 >/dev/null  # a round trip to Prometheus between polls
done
check 'the alert rules load and evaluate without error' rules_healthy

harness_finish
