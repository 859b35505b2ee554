# shellcheck shell=bash
# Sourceable after harness.sh: a real Pushgateway (Debian's
# prometheus-pushgateway) on a free port of 127.0.0.1, stopped at exit.
#
#   start_pushgateway          Starts it without persistence, waits for /-/ready
#                              and sets PGW_PID and PGW_URL (http://127.0.0.1:P).
#   pgw_sample NAME LABEL...   Prints the value of the first sample of NAME in the
#                              gateway's /metrics carrying every LABEL (name="value");
#                              prints nothing when there is none.

start_pushgateway() {
  local bin=${PUSHGATEWAY_BIN:-prometheus-pushgateway}
  command -v "$bin" >/dev/null || fail "start_pushgateway: $bin is not on PATH"
  local port log="$HARNESS_TMP/pushgateway.log"
  port=$(free_port)
  PGW_URL="http://127.0.0.1:$port"
  _harness_logs+=("$log")
  "$bin" --web.listen-address="127.0.0.1:$port" --persistence.file= >"$log" 2>&1 &
  PGW_PID=$!
  harness_track "$PGW_PID"
  local deadline
  deadline=$(_deadline "$E2E_START_TIMEOUT")
  while _before "$deadline"; do
    curl -fsS -o /dev/null "$PGW_URL/-/ready" 2>/dev/null && return 0
    kill -0 "$PGW_PID" 2>/dev/null || fail "start_pushgateway: it exited: $(tail -n 20 "$log")"
    sleep 0.1
  done
  fail "start_pushgateway: $PGW_URL/-/ready not ready within ${E2E_START_TIMEOUT}s"
}

pgw_sample() {
  local name=$1 lines label
  shift
  lines=$(curl -fsS "$PGW_URL/metrics" | grep "^$name{" || true)
  for label in "$@"; do
    lines=$(printf '%s\n' "$lines" | grep -F "$label" || true)
  done
  printf '%s\n' "$lines" | awk 'NF { print $NF; exit }'
}
