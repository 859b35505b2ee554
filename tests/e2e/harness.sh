# shellcheck shell=bash
# shellcheck disable=SC2034  # EXAMPLE_*, PROM_*, EXIT_CODE are set for the caller.
# Sourceable helpers for the end-to-end tests: start the example server and a
# real Prometheus on free ports of 127.0.0.1, query Prometheus, and clean up
# every process on exit.
#
#   source "$(dirname "$0")/harness.sh"
#
# Functions
#   free_port                       Prints a TCP port that is free on 127.0.0.1.
#   start_example BIN PORT [ARGS..] Starts BIN --bind 127.0.0.1 --port PORT [ARGS..],
#                                   waits until it prints "serving metrics at" and sets
#                                   EXAMPLE_PID, EXAMPLE_URL (the printed address),
#                                   EXAMPLE_OUT and EXAMPLE_ERR (its stdout/stderr files).
#                                   Fails if it exits or stays silent past the deadline.
#   start_prometheus TARGET PATH    Writes a prometheus.yml (job "semstreams", scrape and
#                                   evaluation interval 1s, one static TARGET host:port,
#                                   metrics_path PATH), starts prometheus on a free port
#                                   with its TSDB in a temp dir, waits for /-/ready and
#                                   sets PROM_PID, PROM_PORT, PROM_URL (http://127.0.0.1:P).
#                                   Rule files listed in HARNESS_PROM_RULE_FILES
#                                   (space-separated paths) are added to the config.
#                                   HARNESS_PROM_SCRAPE_CONFIGS, when set, replaces the
#                                   whole scrape_configs list (TARGET and PATH unused).
#                                   HARNESS_PROM_FLAGS adds command-line flags.
#   prom_query EXPR                 Instant query; prints the API's JSON response.
#   wait_for_query EXPR SECONDS     Polls EXPR until its result is non-empty (prints the
#                                   JSON) or SECONDS pass (prints the last JSON, fails).
#   prom_result_count JSON          Prints the number of series/samples in a response.
#   prom_first_value JSON           Prints the value of the first sample in a response.
#   wait_for_exit PID SECONDS       Waits for a child of this shell to exit; sets
#                                   EXIT_CODE. Fails if it is still running at the deadline.
#   harness_track PID               Kills PID (TERM, then KILL) at exit. Call it in the
#                                   test's own shell, never inside $(...): a subshell's
#                                   list dies with it and the process would outlive the test.
#   harness_on_exit COMMAND         Runs COMMAND (a string) at exit, before the kills.
#   make_tls_certs DIR              Writes DIR/ca.{crt,key} (a CA "test CA") and
#                                   DIR/server.{crt,key} (CN and SAN 127.0.0.1, signed by
#                                   it) with the openssl CLI, valid for a day.
#   fail MESSAGE / check DESCRIPTION COMMAND...
#                                   fail reports and exits 1; check runs COMMAND, reports
#                                   "ok"/"FAIL" and counts failures so a test can run every
#                                   assertion and finish with `harness_finish`.
#
# Variables
#   HARNESS_TMP            A temp dir removed at exit (kept when E2E_KEEP_TMP=1).
#   SEMSTREAMS_E2E_PROMETHEUS_DEB  A Prometheus .deb to test against instead of
#                          the prometheus and promtool on PATH.
#   E2E_START_TIMEOUT      Seconds to wait for a process to come up (default 30).
#
# Every process the test starts inherits SEMSTREAMS_E2E_RUN (unique per run). At exit,
# after the tracked processes are stopped, any process still carrying it is a leak:
# the harness names it, kills it and fails the test.
#
# Sourcing turns on `set -euo pipefail`. The harness installs the EXIT/INT/TERM traps itself: don't replace them, use
# harness_on_exit. Logs of every process started are printed when the test fails.
# Needs bash, curl, python3 and (for start_prometheus) prometheus on PATH.

set -euo pipefail

HARNESS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/semstreams-e2e.XXXXXX")
E2E_START_TIMEOUT=${E2E_START_TIMEOUT:-30}
HARNESS_FAILURES=0
export SEMSTREAMS_E2E_RUN="$HARNESS_TMP"

# SEMSTREAMS_E2E_PROMETHEUS_DEB names a Prometheus Debian package (3.5.3 from
# ../shared/third_party): its binaries are unpacked here and come first on
# PATH, so the same test runs against it instead of the system's 2.42.
if [ -n "${SEMSTREAMS_E2E_PROMETHEUS_DEB:-}" ]; then
  [ -r "$SEMSTREAMS_E2E_PROMETHEUS_DEB" ] || {
    echo "FAIL: cannot read $SEMSTREAMS_E2E_PROMETHEUS_DEB" >&2
    exit 1
  }
  dpkg-deb -x "$SEMSTREAMS_E2E_PROMETHEUS_DEB" "$HARNESS_TMP/prometheus-under-test"
  export PATH="$HARNESS_TMP/prometheus-under-test/usr/bin:$PATH"
fi
_harness_pids=()
_harness_exit_cmds=()
_harness_logs=()

harness_track() { _harness_pids+=("$1"); }
harness_on_exit() { _harness_exit_cmds+=("$1"); }

# _harness_find_leaks: sets _harness_leaks to the processes, other than this
# shell, whose environment carries this run's SEMSTREAMS_E2E_RUN. Builtins
# only: a forked helper would carry the marker and find itself.
_harness_find_leaks() {
  _harness_leaks=()
  local environ pid entry
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    # Unreadable (another user's, or gone since the glob): not ours.
    while IFS= read -r -d '' entry; do
      if [ "$entry" = "SEMSTREAMS_E2E_RUN=$SEMSTREAMS_E2E_RUN" ]; then
        _harness_leaks+=("$pid")
        break
      fi
    done 2>/dev/null <"$environ" || true
  done
}

# _harness_reap_leaks: waits up to 5s for untracked processes of this run to
# end (children of a process just stopped may still be on their way out),
# then names and kills what is left. Fails (returns 1) if anything was left.
_harness_reap_leaks() {
  local i pid
  for ((i = 0; i < 50; i++)); do
    _harness_find_leaks
    [ "${#_harness_leaks[@]}" -eq 0 ] && return 0
    sleep 0.1
  done
  for pid in "${_harness_leaks[@]}"; do
    echo "harness: FAIL: process $pid outlived the test: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
    kill -KILL "$pid" 2>/dev/null || true
  done
  return 1
}

_harness_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local cmd pid
  for cmd in "${_harness_exit_cmds[@]+"${_harness_exit_cmds[@]}"}"; do
    eval "$cmd" || true
  done
  for pid in "${_harness_pids[@]+"${_harness_pids[@]}"}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${_harness_pids[@]+"${_harness_pids[@]}"}"; do
    # Give each process 10s to stop before it is killed outright.
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ! _harness_reap_leaks && [ "$status" -eq 0 ]; then
    echo "harness: the test left processes running (see above)" >&2
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    local log
    for log in "${_harness_logs[@]+"${_harness_logs[@]}"}"; do
      [ -s "$log" ] || continue
      echo "----- last lines of $log -----" >&2
      tail -n 40 "$log" >&2 || true
    done
  fi
  if [ "${E2E_KEEP_TMP:-0}" = 1 ]; then
    echo "harness: kept $HARNESS_TMP" >&2
  else
    rm -rf "$HARNESS_TMP"
  fi
  exit "$status"
}
trap _harness_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

check() {
  local description=$1
  shift
  if "$@"; then
    echo "ok: $description"
  else
    echo "FAIL: $description" >&2
    HARNESS_FAILURES=$((HARNESS_FAILURES + 1))
  fi
}

harness_finish() {
  if [ "$HARNESS_FAILURES" -ne 0 ]; then
    echo "$HARNESS_FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

# promtool_check_metrics <file>: promtool's parse and lint of an exposition.
# Exit 0, or exit 3 (lint only) where every problem is the one below:
# The NATS RTT gauge is semstreams_nats_rtt_milliseconds (the Go package's
# name, which dashboards use), and promtool's lint wants seconds.
promtool_check_metrics() {
  local out rc=0
  out=$(promtool check metrics <"$1" 2>&1) || rc=$?
  echo "promtool check metrics: exit $rc${out:+; output:}"
  [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  /'
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 3 ] || return "$rc"
  if printf '%s\n' "$out" | grep -v '^semstreams_nats_rtt_milliseconds use base unit "seconds"' |
    grep -q .; then
    return 3
  fi
  echo "  (only the documented semstreams_nats_rtt_milliseconds lint)"
}

make_tls_certs() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 1 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _deadline SECONDS: prints the epoch second at which SECONDS from now have passed.
_deadline() { echo $(($(date +%s) + $1)); }
_before() { [ "$(date +%s)" -lt "$1" ]; }

start_example() {
  local bin=$1 port=$2
  shift 2
  [ -x "$bin" ] || fail "start_example: $bin is not an executable"
  EXAMPLE_OUT="$HARNESS_TMP/example-$port.out"
  EXAMPLE_ERR="$HARNESS_TMP/example-$port.err"
  _harness_logs+=("$EXAMPLE_OUT" "$EXAMPLE_ERR")
  "$bin" --bind 127.0.0.1 --port "$port" "$@" >"$EXAMPLE_OUT" 2>"$EXAMPLE_ERR" &
  EXAMPLE_PID=$!
  harness_track "$EXAMPLE_PID"
  local deadline
  deadline=$(_deadline "$E2E_START_TIMEOUT")
  while _before "$deadline"; do
    if grep -q '^serving metrics at ' "$EXAMPLE_OUT"; then
      EXAMPLE_URL=$(sed -n 's/^serving metrics at //p' "$EXAMPLE_OUT" | head -n 1)
      return 0
    fi
    kill -0 "$EXAMPLE_PID" 2>/dev/null ||
      fail "start_example: $bin exited before serving: $(cat "$EXAMPLE_ERR")"
    sleep 0.05
  done
  fail "start_example: no 'serving metrics at' line from $bin within ${E2E_START_TIMEOUT}s"
}

start_prometheus() {
  local target=$1 metrics_path=$2
  command -v prometheus >/dev/null || fail "start_prometheus: prometheus is not on PATH"
  # A directory of its own: a test may run two at once (3.x locks its TSDB).
  PROM_PORT=$(free_port)
  local dir="$HARNESS_TMP/prometheus-$PROM_PORT"
  mkdir -p "$dir/data"
  {
    echo "global:"
    echo "  scrape_interval: 1s"
    echo "  scrape_timeout: 1s"
    echo "  evaluation_interval: 1s"
    if [ -n "${HARNESS_PROM_RULE_FILES:-}" ]; then
      echo "rule_files:"
      local rule_file
      for rule_file in $HARNESS_PROM_RULE_FILES; do
        echo "  - '$rule_file'"
      done
    fi
    echo "scrape_configs:"
    if [ -n "${HARNESS_PROM_SCRAPE_CONFIGS:-}" ]; then
      echo "$HARNESS_PROM_SCRAPE_CONFIGS"
    else
      echo "  - job_name: semstreams"
      echo "    metrics_path: '$metrics_path'"
      echo "    static_configs:"
      echo "      - targets: ['$target']"
    fi
  } >"$dir/prometheus.yml"
  PROM_URL="http://127.0.0.1:$PROM_PORT"
  _harness_logs+=("$dir/prometheus.log")
  # shellcheck disable=SC2086  # HARNESS_PROM_FLAGS is a list of flags
  prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" \
    ${HARNESS_PROM_FLAGS:-} \
    >"$dir/prometheus.log" 2>&1 &
  PROM_PID=$!
  harness_track "$PROM_PID"
  local deadline
  deadline=$(_deadline "$E2E_START_TIMEOUT")
  while _before "$deadline"; do
    curl -fsS -o /dev/null "$PROM_URL/-/ready" 2>/dev/null && return 0
    kill -0 "$PROM_PID" 2>/dev/null ||
      fail "start_prometheus: prometheus exited: $(tail -n 20 "$dir/prometheus.log")"
    sleep 0.1
  done
  fail "start_prometheus: $PROM_URL/-/ready not ready within ${E2E_START_TIMEOUT}s"
}

prom_query() {
  curl -fsS --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query"
}

prom_result_count() {
  python3 -c 'import json, sys
r = json.loads(sys.argv[1])
if r.get("status") != "success":
    sys.exit("query failed: %s" % sys.argv[1])
data = r["data"]
print(len(data["result"]) if data["resultType"] in ("vector", "matrix") else 1)' "$1"
}

prom_first_value() {
  python3 -c 'import json, sys
data = json.loads(sys.argv[1])["data"]
result = data["result"]
if data["resultType"] == "vector":
    print(result[0]["value"][1])
else:
    print(result[1])' "$1"
}

wait_for_query() {
  local expr=$1 seconds=$2 json="" deadline
  deadline=$(_deadline "$seconds")
  while :; do
    json=$(prom_query "$expr" || true)
    if [ -n "$json" ] && [ "$(prom_result_count "$json" 2>/dev/null || echo 0)" -gt 0 ]; then
      echo "$json"
      return 0
    fi
    _before "$deadline" || break
    sleep 0.2
  done
  echo "$json"
  echo "wait_for_query: '$expr' still empty after ${seconds}s" >&2
  return 1
}

wait_for_exit() {
  local pid=$1 seconds=$2 deadline
  deadline=$(_deadline "$seconds")
  while kill -0 "$pid" 2>/dev/null; do
    # A zombie still answers kill -0; `wait` below reaps it, so only the
    # deadline matters here.
    if [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" = Z ]; then break; fi
    _before "$deadline" || {
      echo "wait_for_exit: $pid still running after ${seconds}s" >&2
      return 1
    }
    sleep 0.05
  done
  EXIT_CODE=0
  wait "$pid" || EXIT_CODE=$?
}
