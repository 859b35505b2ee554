#!/usr/bin/env bash
# Runs every dashboard query (and loads the alerting rules) against a real Prometheus.
#
#   tests/ecosystem/verify_dashboard_static.sh [--target HOST:PORT] [-- COMMAND [ARGS...]]
#
# Without --target it serves tests/ecosystem/core_families.prom (every core family and the
# process collector, counters growing) on a free 127.0.0.1 port and requires every query to
# return data (dashboard_queries.py --strict). With --target it scrapes that metrics endpoint
# instead (e.g. build/examples/metrics_server) and applies dashboard_queries.py's allow-list of
# queries that may be empty.
#
# Prometheus (`prometheus` on PATH, or $PROMETHEUS) scrapes the target every second as job
# "semstreams" and loads alerts/semstreams.rules.yml; the script waits, polling with a deadline,
# until the target is up, rate() has two samples to work with and the rules have been
# evaluated without error. If COMMAND is given it then runs with PROMETHEUS_URL exported, e.g.
#   tests/ecosystem/verify_dashboard_static.sh -- tools/screenshot-prometheus.sh
# All processes are stopped and the temporary directory removed on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/ecosystem"
python=${PYTHON:-python3}
prometheus=${PROMETHEUS:-prometheus}
deadline_seconds=${VERIFY_DEADLINE_SECONDS:-90}

target=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target=${2:?--target needs HOST:PORT}; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "verify_dashboard_static.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "verify_dashboard_static.sh: $*" >&2
  if [[ -f "$tmp/prometheus.log" ]]; then
    echo "--- last lines of the Prometheus log:" >&2
    tail -n 20 "$tmp/prometheus.log" >&2
  fi
  exit 1
}

start=$SECONDS
# until_true DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline passes.
until_true() {
  local what=$1
  shift
  until "$@"; do
    (( SECONDS - start < deadline_seconds )) || fail "timed out after ${deadline_seconds}s waiting for $what"
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || fail "process $pid exited while waiting for $what"
    done
    # A short pause between polls; the loop, not the pause, does the synchronising.
    sleep 0.2
  done
}

free_port() {
  "$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# prom_nonempty EXPR: true when an instant query returns at least one series.
prom_nonempty() {
  "$python" - "$prom_url" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url, expr = sys.argv[1], sys.argv[2]
try:
    data = urllib.parse.urlencode({"query": expr}).encode()
    with urllib.request.urlopen(url + "/api/v1/query", data=data, timeout=5) as r:
        body = json.load(r)
except Exception:
    sys.exit(1)
sys.exit(0 if body.get("status") == "success" and body["data"]["result"] else 1)
PY
}

# rules_evaluated: every rule of group "semstreams" has been evaluated and is healthy.
rules_evaluated() {
  "$python" - "$prom_url" <<'PY'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/api/v1/rules", timeout=5) as r:
        groups = json.load(r)["data"]["groups"]
except Exception:
    sys.exit(1)
rules = [rule for g in groups if g["name"] == "semstreams" for rule in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") == "err"]
if bad:
    print("rule evaluation errors: " + ", ".join(
        f'{r["name"]}: {r.get("lastError")}' for r in rules if r.get("health") == "err"),
        file=sys.stderr)
    sys.exit(2)
sys.exit(0 if len(rules) >= 7 and all(r.get("health") == "ok" for r in rules) else 1)
PY
}

strict=()
if [[ -z "$target" ]]; then
  "$python" "$here/serve_exposition.py" --file "$here/core_families.prom" \
    --port-file "$tmp/exposition.port" &
  pids+=($!)
  until_true "the exposition server" test -s "$tmp/exposition.port"
  target="127.0.0.1:$(cat "$tmp/exposition.port")"
  strict=(--strict)
fi

cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $root/alerts/semstreams.rules.yml
scrape_configs:
  - job_name: semstreams
    static_configs:
      - targets: ["$target"]
EOF

prom_port=$(free_port)
prom_url="http://127.0.0.1:$prom_port"
"$prometheus" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)

until_true "target $target to be up" prom_nonempty 'up{job="semstreams"} == 1'
until_true "two samples for rate()" prom_nonempty 'rate(process_cpu_seconds_total{job="semstreams"}[1m])'
if [[ ${#strict[@]} -gt 0 ]]; then
  until_true "two samples for rate() of semstreams_*" \
    prom_nonempty 'rate(semstreams_messages_received_total{job="semstreams"}[1m])'
fi
rc=0
rules_evaluated || rc=$?
while [[ $rc -eq 1 ]]; do
  (( SECONDS - start < deadline_seconds )) || fail "timed out waiting for the alerting rules to be evaluated"
  sleep 0.2
  rc=0
  rules_evaluated || rc=$?
done
[[ $rc -eq 0 ]] || fail "alerting rules failed to evaluate"
echo "Prometheus $prom_url scrapes $target; alerting rules loaded and evaluated (${SECONDS}s)"

"$python" "$here/dashboard_queries.py" --prometheus "$prom_url" \
  --dashboard "$root/dashboards/semstreams-core.json" --rate-interval 1m "${strict[@]}"

if [[ $# -gt 0 ]]; then
  PROMETHEUS_URL=$prom_url "$@"
fi
