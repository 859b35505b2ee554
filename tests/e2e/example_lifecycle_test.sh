#!/usr/bin/env bash
# End to end: the example metrics server's process lifecycle.
#
#   example_lifecycle_test.sh <path to examples/metrics_server>
#
# SIGTERM and SIGINT each stop it cleanly (exit 0, port released) within a
# deadline; --duration makes it exit 0 by itself; a second instance on a port
# that is taken exits non-zero with a message naming the address, and leaves
# the first one serving.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: example_lifecycle_test.sh <metrics_server binary>}
stop_timeout=${E2E_STOP_TIMEOUT:-10}

# port_is_free PORT: nothing listens on PORT any more. SO_REUSEADDR, as servers
# use it, so that the scrape's connection lingering in TIME_WAIT doesn't count.
port_is_free() {
  python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# stops_cleanly_on SIGNAL: start, scrape once, signal, expect exit 0 in time.
stops_cleanly_on() {
  local signal=$1 port
  port=$(free_port)
  start_example "$bin" "$port"
  curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics" || {
    echo "no /metrics before $signal" >&2
    return 1
  }
  kill "-$signal" "$EXAMPLE_PID"
  wait_for_exit "$EXAMPLE_PID" "$stop_timeout" || return 1
  echo "exit code after $signal: $EXIT_CODE"
  [ "$EXIT_CODE" -eq 0 ] || return 1
  port_is_free "$port" || {
    echo "port $port still bound after exit" >&2
    return 1
  }
}
check "SIGTERM stops it with exit 0 within ${stop_timeout}s" stops_cleanly_on TERM
check "SIGINT stops it with exit 0 within ${stop_timeout}s" stops_cleanly_on INT

exits_after_duration() {
  start_example "$bin" "$(free_port)" --duration 1
  wait_for_exit "$EXAMPLE_PID" $((stop_timeout + 1)) || return 1
  echo "exit code after --duration 1: $EXIT_CODE"
  [ "$EXIT_CODE" -eq 0 ]
}
check "--duration 1 exits 0 by itself" exits_after_duration

second_instance_fails() {
  local port first_pid err="$HARNESS_TMP/second.err"
  port=$(free_port)
  start_example "$bin" "$port"
  first_pid=$EXAMPLE_PID
  "$bin" --bind 127.0.0.1 --port "$port" >"$HARNESS_TMP/second.out" 2>"$err" &
  local second_pid=$!
  harness_track "$second_pid"
  wait_for_exit "$second_pid" "$stop_timeout" || return 1
  echo "second instance: exit $EXIT_CODE, stderr: $(cat "$err")"
  local ok=0
  [ "$EXIT_CODE" -ne 0 ] || { echo "second instance exited 0" >&2; ok=1; }
  grep -q "127.0.0.1:$port" "$err" || { echo "stderr does not name 127.0.0.1:$port" >&2; ok=1; }
  # The library's own Status (after the program's prefix) names the port too.
  grep -Eq "kBindFailed.*$port" "$err" || {
    echo "the Status message is not kBindFailed naming port $port" >&2
    ok=1
  }
  ! grep -q '^serving metrics at' "$HARNESS_TMP/second.out" || {
    echo "second instance claimed to serve" >&2
    ok=1
  }
  if ! kill -0 "$first_pid" 2>/dev/null ||
    ! curl -fsS -o /dev/null "http://127.0.0.1:$port/health"; then
    echo "the first instance stopped serving" >&2
    ok=1
  fi
  return "$ok"
}
check "a second instance on a taken port fails naming the address" second_instance_fails

harness_finish
