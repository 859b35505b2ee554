#!/usr/bin/env bash
# End to end: many instances behind a Prometheus agent that remote-writes to a
# central Prometheus, with the configs in tests/e2e/many_instances/.
#
#   many_instances_test.sh <path to examples/metrics_server>
#
# Three metrics_server instances (a, b, c) on loopback ports; a Prometheus 2.42
# in agent mode finds them through file_sd and remote-writes to a central
# Prometheus run with --web.enable-remote-write-receiver. Mid-test the file_sd
# file is rewritten to add d and drop a: the central server's `up` and
# `count by (instance)` follow. Once every instance stops recording
# (--record-for), the central sum(semstreams_messages_processed_total) equals
# the sum of what b, c and d serve on their own /metrics.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: many_instances_test.sh <metrics_server binary>}
configs=$(cd "$(dirname "$0")/many_instances" && pwd)
wait_seconds=${E2E_MANY_WAIT:-45}
record_seconds=${E2E_MANY_RECORD:-20}
command -v prometheus >/dev/null || fail "prometheus is not on PATH"

declare -A addr pid err
start_instance() { # start_instance NAME
  start_example "$bin" "$(free_port)" --record-for "$record_seconds"
  addr[$1]=$(sed -E 's#^https?://([^/]+)/.*#\1#; s#^localhost:#127.0.0.1:#' <<<"$EXAMPLE_URL")
  pid[$1]=$EXAMPLE_PID
  err[$1]=$EXAMPLE_ERR
  echo "instance $1 at ${addr[$1]}"
}

# write_targets NAME...: file_sd file listing those instances, replaced atomically.
targets_file="$HARNESS_TMP/targets/semstreams.yml"
mkdir -p "$(dirname "$targets_file")"
write_targets() {
  local list="" name
  for name in "$@"; do list+="${list:+, }'${addr[$name]}'"; done
  sed "s#@TARGETS@#$list#" "$configs/targets.yml" >"$targets_file.tmp"
  mv "$targets_file.tmp" "$targets_file"
}

# start_prom VAR NAME ARGS...: a Prometheus with $HARNESS_TMP/NAME.yml on a
# free port; sets VAR to its URL once /-/ready answers. Call it in this shell,
# not in $(...): harness_track must record the PID where the cleanup runs.
start_prom() {
  local var=$1 name=$2 port log deadline prom_pid
  shift 2
  port=$(free_port)
  log="$HARNESS_TMP/$name.log"
  _harness_logs+=("$log")
  prometheus --config.file="$HARNESS_TMP/$name.yml" --web.listen-address="127.0.0.1:$port" \
    "$@" >"$log" 2>&1 &
  prom_pid=$!
  harness_track "$prom_pid"
  deadline=$(_deadline "$E2E_START_TIMEOUT")
  while _before "$deadline"; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
      printf -v "$var" '%s' "http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$prom_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not become ready: $(tail -n 20 "$log")" >&2
  return 1
}

# instances JSON: the sorted, space-separated instance labels of a query result.
instances() {
  python3 -c 'import json, sys
print(" ".join(sorted(r["metric"].get("instance", "?") for r in json.loads(sys.argv[1])["data"]["result"])))' "$1"
}

# wait_for_instances EXPR NAME...: polls the central server until EXPR's
# series carry exactly the instances NAME... (prints what it saw).
wait_for_instances() {
  local expr=$1 want="" got="" name deadline
  shift
  want=$(for name in "$@"; do echo "${addr[$name]}"; done | sort | xargs)
  deadline=$(_deadline "$wait_seconds")
  while :; do
    got=$(instances "$(prom_query "$expr" 2>/dev/null || echo '{"data":{"result":[]}}')")
    [ "$got" = "$want" ] && break
    _before "$deadline" || {
      echo "$expr: want instances [$want], still [$got] after ${wait_seconds}s" >&2
      return 1
    }
    sleep 0.5
  done
  echo "$expr -> [$got]"
}

# own_sum NAME...: sum of semstreams_messages_processed_total over the
# instances' own /metrics, read by the reference Python parser.
own_sum() {
  local name
  # Debian's python3-prometheus-client, hence /usr/bin/python3 rather than PATH's.
  for name in "$@"; do curl -fsS "http://${addr[$name]}/metrics"; done | /usr/bin/python3 -c 'import sys
from prometheus_client.parser import text_string_to_metric_families
total = 0.0
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        if s.name == "semstreams_messages_processed_total":
            total += s.value
print(repr(total))'
}

for name in a b c; do start_instance "$name"; done
write_targets a b c
sed "s#@TARGETS_FILE@#$targets_file#; s#@CENTRAL_URL@#http://127.0.0.1:PORT#" \
  "$configs/central.yml" >"$HARNESS_TMP/central.yml"
mkdir -p "$HARNESS_TMP/central-data" "$HARNESS_TMP/agent-data"
start_prom PROM_URL central --storage.tsdb.path="$HARNESS_TMP/central-data" \
  --web.enable-remote-write-receiver || fail "central Prometheus did not start"
echo "central Prometheus at $PROM_URL"
sed "s#@TARGETS_FILE@#$targets_file#; s#@CENTRAL_URL@#$PROM_URL#" \
  "$configs/agent.yml" >"$HARNESS_TMP/agent.yml"
promtool check config --agent "$HARNESS_TMP/agent.yml" >/dev/null ||
  fail "promtool rejects the agent config: $(promtool check config --agent "$HARNESS_TMP/agent.yml" 2>&1)"
agent_url=""
start_prom agent_url agent --enable-feature=agent --storage.agent.path="$HARNESS_TMP/agent-data" ||
  fail "Prometheus agent did not start"
echo "Prometheus agent at $agent_url"

check "central sees a, b, c up through the agent" wait_for_instances 'up == 1' a b c
check "central counts a, b, c" wait_for_instances \
  'count by (instance) (semstreams_messages_processed_total)' a b c

start_instance d
write_targets b c d
echo "file_sd rewritten: b c d"
check "central sees b, c, d up, a gone" wait_for_instances 'up == 1' b c d
check "central counts b, c, d" wait_for_instances \
  'count by (instance) (semstreams_messages_processed_total)' b c d
labels_forwarded() { wait_for_query 'up{agent="agent-1",cluster="local",job="semstreams"}' 5 >/dev/null; }
check "series carry the agent's external label and the file_sd label" labels_forwarded

stopped_recording() {
  local name deadline
  deadline=$(_deadline $((record_seconds + wait_seconds)))
  for name in a b c d; do
    until grep -q 'no longer recording' "${err[$name]}"; do
      _before "$deadline" || return 1
      sleep 0.2
    done
  done
}
check "every instance stopped recording (--record-for $record_seconds)" stopped_recording

central_sum_matches() {
  local want got="" json deadline
  want=$(own_sum b c d) || return 1
  deadline=$(_deadline "$wait_seconds")
  while :; do
    json=$(prom_query 'sum(semstreams_messages_processed_total)' || true)
    got=$(prom_first_value "$json" 2>/dev/null || true)
    python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) == float(sys.argv[2]) > 0))' \
      "${got:-nan}" "$want" 2>/dev/null && break
    _before "$deadline" || {
      echo "central sum $got, instances' own /metrics sum $want" >&2
      return 1
    }
    sleep 0.5
  done
  echo "central sum(semstreams_messages_processed_total) = $got = b + c + d on their own /metrics = $want"
  local name own central
  for name in b c d; do
    own=$(own_sum "$name") || return 1
    central=$(prom_first_value "$(prom_query "sum(semstreams_messages_processed_total{instance=\"${addr[$name]}\"})")")
    echo "  $name: central $central, own /metrics $own"
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) != float(sys.argv[2]))' "$central" "$own" ||
      return 1
  done
}
check "central sum equals the instances' own sum" central_sum_matches

harness_finish
