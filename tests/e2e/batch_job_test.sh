#!/usr/bin/env bash
# End to end: examples/batch_job against a real Pushgateway.
#
#   batch_job_test.sh <path to examples/batch_job>
#
# A run that finishes pushes its count and last-success time; a run stopped by
# SIGTERM adds what it did and leaves the previous success time; --delete
# removes the group; an unreachable gateway gives exit 1 and kPushFailed
# within the timeout. Each result is read from the gateway's /metrics and
# /api/v1/metrics.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"
# shellcheck source=tests/e2e/pushgateway.sh
source "$(dirname "$0")/pushgateway.sh"

bin=${1:?usage: batch_job_test.sh <batch_job binary>}
start_pushgateway
group=('job="nightly"' 'instance="e2e-1"')
processed=semstreams_messages_processed_total

finishes_and_pushes() {
  "$bin" --gateway "$PGW_URL" --job nightly --instance e2e-1 --items 25 --work-ms 1 \
    >"$HARNESS_TMP/run1.out" || return 1
  cat "$HARNESS_TMP/run1.out"
  local count success
  count=$(pgw_sample "$processed" "${group[@]}" 'status="success"')
  success=$(pgw_sample batch_job_last_success_timestamp_seconds "${group[@]}")
  echo "gateway: processed=$count last_success=$success"
  [ "$count" = 25 ] || return 1
  python3 -c 'import sys, time; t = float(sys.argv[1]); sys.exit(not abs(time.time() - t) < 120)' \
    "$success" || return 1
  echo "$success" >"$HARNESS_TMP/success"
  # The group as the gateway's API lists it.
  curl -fsS "$PGW_URL/api/v1/metrics" | python3 -c 'import json, sys
groups = json.load(sys.stdin)["data"]
g = [g for g in groups if g["labels"] == {"job": "nightly", "instance": "e2e-1"}]
assert len(g) == 1, groups
assert g[0]["last_push_successful"], g
assert g[0]["batch_job_duration_seconds"]["type"] == "GAUGE", g
print("api: group has", sorted(k for k in g[0] if k.startswith(("batch_", "semstreams_"))))'
}
check "a finished run pushes its count and success time" finishes_and_pushes

sigterm_adds_partial_work() {
  local out="$HARNESS_TMP/run2.out" pid deadline
  "$bin" --gateway "$PGW_URL" --job nightly --instance e2e-1 --items 100000 --work-ms 5 \
    >"$out" &
  pid=$!
  harness_track "$pid"
  deadline=$(_deadline 10)
  until grep -q '^started' "$out"; do
    _before "$deadline" || return 1
    sleep 0.05
  done
  # Not synchronisation: lets it work a little; the checks hold for any count.
  sleep 0.3
  kill -TERM "$pid"
  wait_for_exit "$pid" 10 || return 1
  cat "$out"
  echo "exit code: $EXIT_CODE"
  [ "$EXIT_CODE" -eq 3 ] || return 1
  local said count success
  said=$(sed -n 's/^interrupted after \([0-9]*\) items.*/\1/p' "$out")
  count=$(pgw_sample "$processed" "${group[@]}" 'status="success"')
  success=$(pgw_sample batch_job_last_success_timestamp_seconds "${group[@]}")
  echo "job said $said items; gateway: processed=$count last_success=$success"
  [ -n "$said" ] && [ "$said" -lt 100000 ] && [ "${count:-0}" = "$said" ] || return 1
  [ "$success" = "$(cat "$HARNESS_TMP/success")" ]
}
check "SIGTERM adds the partial count and keeps the previous success time" sigterm_adds_partial_work

delete_removes_group() {
  "$bin" --gateway "$PGW_URL" --job nightly --instance e2e-1 --delete || return 1
  [ -z "$(pgw_sample "$processed" "${group[@]}")" ] || return 1
  curl -fsS "$PGW_URL/api/v1/metrics" | python3 -c 'import json, sys
groups = json.load(sys.stdin)["data"]
assert not [g for g in groups if g["labels"].get("job") == "nightly"], groups'
}
check "--delete removes the group" delete_removes_group

unreachable_gateway_fails() {
  local err="$HARNESS_TMP/run4.err" start took rc=0
  start=$(date +%s%N)
  "$bin" --gateway "http://127.0.0.1:$(free_port)" --items 2 --work-ms 1 --timeout-ms 2000 \
    >/dev/null 2>"$err" || rc=$?
  took=$((($(date +%s%N) - start) / 1000000))
  cat "$err"
  echo "exit code $rc after ${took} ms"
  [ "$rc" -eq 1 ] && grep -q 'kPushFailed: pushing to http://127.0.0.1:.* failed' "$err" &&
    [ "$took" -lt 5000 ]
}
check "an unreachable gateway gives exit 1 and kPushFailed" unreachable_gateway_fails

harness_finish
