#!/usr/bin/env bash
# Side-by-side HTTP throughput of our metrics server (examples/metrics_server)
# and Go's net/http + promhttp (bench/go/promhttp_server, client_golang 1.14
# from Debian's Go tree), both on 127.0.0.1 with the same N-series registry.
#
#   bench/http_vs_go.sh [compare] <metrics_server|->
#       wrk -t2 -c64 -d${WRK_SECONDS}s --timeout 10s --latency against /metrics (text),
#       /metrics with Accept-Encoding: gzip, and /health of each server,
#       alternating ours, Go, ours, Go; prints req/s and p99 per server and
#       path with the ratios ours/Go. "-" instead of the binary runs Go alone.
#   bench/http_vs_go.sh attack <metrics_server|-> <attack_cli>
#       runs every attack of bench/attack_cli against ours and then Go's
#       (attack_cli --host 127.0.0.1 --port P --attack NAME --seconds S) and
#       prints both lines, plus whether each server still answers /health.
#
# Environment
#   WRK_SECONDS      duration of one wrk run (default 20)
#   WRK_THREADS      wrk threads (default 2)
#   WRK_CONNECTIONS  wrk connections (default 64)
#   WRK_TIMEOUT      wrk --timeout (default 10s; wrk's own 2s default cuts
#                    off /metrics at 10,000 series on 2 cores, where 64
#                    connections queue for over 2 s, and timed-out requests
#                    never enter wrk's latency histogram)
#   ROUNDS           ours/Go pairs per case (default 2: ours, Go, ours, Go)
#   CASES            space-separated subset of: metrics metrics_gzip health
#                    (default all three)
#   SERIES           series of padding_series_total{id} (--series) in both
#                    servers (default 10000)
#   OURS_ARGS        extra arguments for metrics_server (word-split)
#   PROMHTTP_SERVER  a prebuilt bench/go/promhttp_server binary (skips go build)
#   ATTACKS          attack names for attack mode (default: the "one of:"
#                    list of `attack_cli --help`, minus the tls-* ones as both
#                    servers speak plain HTTP here; failing that: idle
#                    slowloris slow-body slow-read keepalive-idle)
#   ATTACK_ARGS      extra attack_cli arguments (word-split); --pid PID of the
#                    attacked server is added when `attack_cli --help` shows it
#   ATTACK_SECONDS   --seconds for each attack (default 10)
#
# Both servers and wrk share the host's cores, so req/s and latency move with
# the neighbours' load; the "server CPU us/req" column (the server's user +
# system time from /proc over the requests wrk completed) moves less. Ours also
# runs the example's simulated services (recording in the background); Go's
# serves a static registry.
#
# Needs go (Debian's golang-go) and golang-github-prometheus-client-golang-dev
# (GOPATH mode, offline) unless PROMHTTP_SERVER is set, wrk and curl. Every
# process it starts is stopped on exit (TERM, then KILL after 5 s); every wait
# is bounded. Loopback only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

WRK_SECONDS=${WRK_SECONDS:-20}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
ROUNDS=${ROUNDS:-2}
CASES=${CASES:-metrics metrics_gzip health}
SERIES=${SERIES:-10000}
ATTACK_SECONDS=${ATTACK_SECONDS:-10}
START_TIMEOUT=${START_TIMEOUT:-30}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

mode=compare
case "${1:-}" in
  compare | attack) mode=$1; shift ;;
  -h | --help | "") usage ;;
esac
ours_bin=${1:-}
[ -n "$ours_bin" ] || usage
attack_cli=
if [ "$mode" = attack ]; then
  attack_cli=${2:-}
  [ -n "$attack_cli" ] || usage
fi
if [ "$ours_bin" != - ] && [ ! -x "$ours_bin" ]; then
  echo "http_vs_go: $ours_bin is not an executable (build it: cmake --build build/dev --target metrics_server)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/http_vs_go.XXXXXX")
pids=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid i
  for pid in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    local log
    for log in "$tmp"/*.err; do
      [ -s "$log" ] || continue
      echo "----- last lines of $(basename "$log") -----" >&2
      tail -n 20 "$log" >&2 || true
    done
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "http_vs_go: $*" >&2
  exit 1
}

for tool in wrk curl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

# --- the Go server -----------------------------------------------------------
go_bin=${PROMHTTP_SERVER:-}
if [ -z "$go_bin" ]; then
  command -v go >/dev/null || die "go is not on PATH (apt-get install golang-go)"
  [ -d /usr/share/gocode/src/github.com/prometheus/client_golang ] ||
    die "no client_golang in /usr/share/gocode (apt-get install golang-github-prometheus-client-golang-dev)"
  echo "building bench/go/promhttp_server" >&2
  go_bin="$tmp/promhttp_server"
  gocache=$(GO111MODULE=off go env GOCACHE 2>/dev/null || true)
  case "$gocache" in "" | off) gocache="$tmp/go-cache" ;; esac
  (cd "$here/go/promhttp_server" &&
    GO111MODULE=off GOPROXY=off GOFLAGS='' GOPATH=/usr/share/gocode GOCACHE="$gocache" \
      timeout 300 go build -o "$go_bin" .) || die "go build of bench/go/promhttp_server failed"
fi
[ -x "$go_bin" ] || die "$go_bin is not an executable"

# --- starting and watching servers ---------------------------------------------
# start_server NAME: starts ours or go, waits for its address line and sets
# PID_<NAME> and PORT_<NAME>.
start_server() {
  local name=$1 out="$tmp/$1.out" err="$tmp/$1.err" pid
  if [ "$name" = ours ]; then
    local series_args=()
    [ "$SERIES" -gt 0 ] && series_args=(--series "$SERIES")
    # shellcheck disable=SC2086  # OURS_ARGS is word-split on purpose.
    "$ours_bin" --bind 127.0.0.1 --port 0 "${series_args[@]+"${series_args[@]}"}" ${OURS_ARGS:-} \
      >"$out" 2>"$err" &
  else
    "$go_bin" -listen 127.0.0.1:0 -series "$SERIES" >"$out" 2>"$err" &
  fi
  pid=$!
  pids+=("$pid")
  local deadline=$(($(date +%s) + START_TIMEOUT)) port=
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$name" = ours ]; then
      # "serving metrics at http://HOST:PORT/metrics" (tests/e2e/harness.sh reads the same line)
      port=$(sed -n 's#^serving metrics at https\{0,1\}://.*:\([0-9][0-9]*\)/.*#\1#p' "$out" | head -n 1)
    else
      port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
    fi
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || die "$name exited before serving: $(tail -n 5 "$err")"
    sleep 0.05
  done
  [ -n "$port" ] || die "$name printed no address within ${START_TIMEOUT}s"
  printf -v "PID_$name" %s "$pid"
  printf -v "PORT_$name" %s "$port"
}

servers=(go)
[ "$ours_bin" != - ] && servers=(ours go)
for s in "${servers[@]}"; do start_server "$s"; done

pid_of() { local v="PID_$1"; echo "${!v}"; }
port_of() { local v="PORT_$1"; echo "${!v}"; }
label_of() { if [ "$1" = ours ]; then echo ours; else echo Go; fi; }

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# Sanity check: status, body size and content type of each server and path.
echo "servers (127.0.0.1, $SERIES series each):"
for s in "${servers[@]}"; do
  port=$(port_of "$s")
  for req in "/metrics" "/metrics gzip" "/health"; do
    path=${req%% *}
    hdr=()
    [ "$req" != "${req% gzip}" ] && hdr=(-H 'Accept-Encoding: gzip')
    info=$(curl -s -o /dev/null --max-time 10 "${hdr[@]+"${hdr[@]}"}" \
      -w '%{http_code} %{size_download} bytes, %{content_type}' "http://127.0.0.1:$port$path") ||
      info="curl failed ($?)"
    printf '  %-4s :%-5s %-13s %s\n' "$(label_of "$s")" "$port" "$req" "$info"
  done
done

# --- attack mode ---------------------------------------------------------------
if [ "$mode" = attack ]; then
  [ -x "$attack_cli" ] || die "$attack_cli is not an executable (bench/attack_cli)"
  if [ -n "${ATTACKS:-}" ]; then
    read -r -a attacks <<<"$ATTACKS"
  else
    # The names after "one of:" in its --help, minus the TLS ones.
    mapfile -t attacks < <(timeout 10 "$attack_cli" --help 2>&1 |
      sed -n 's/.*one of: *//p' | tr ' ' '\n' | grep -E '^[a-z][a-z0-9_-]*$' | grep -v '^tls') || true
    [ "${#attacks[@]}" -gt 0 ] || attacks=(idle slowloris slow-body slow-read keepalive-idle)
  fi
  pid_flag=false
  timeout 10 "$attack_cli" --help 2>&1 | grep -q -- '--pid' && pid_flag=true
  # summarize_attack JSON: one short line from attack_cli's JSON report.
  summarize_attack() {
    python3 - "$1" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
a, sv = r.get("attacker", {}), r.get("server", {})
def rounds(kind):
    ok = sum(x[kind].get("ok", 0) for x in r.get("rounds", []))
    of = sum(x[kind].get("of", 0) for x in r.get("rounds", []))
    mx = max((x[kind].get("max_ms", 0) for x in r.get("rounds", [])), default=0)
    med = max((x[kind].get("median_ms", 0) for x in r.get("rounds", [])), default=0)
    return f"{ok}/{of} ok, median<={med:.1f} max {mx:.1f} ms"
print(f"conns {a.get('connects_ok')}/{r.get('connections')} closed_by_server {a.get('closed_by_server')}"
      f" | /metrics {rounds('metrics')} | /health {rounds('health')}"
      f" | threads {sv.get('threads_max', '?')} fds_peak {sv.get('fds_peak', '?')}"
      f" rss +{sv.get('rss_delta_mib', float('nan')):.0f} MiB (peak {sv.get('rss_peak_mib', float('nan')):.0f})")
PY
  }
  : >"$tmp/attack.raw"
  echo
  echo "attacks (${ATTACK_SECONDS}s each; attack_cli --host 127.0.0.1 --port P --attack NAME --seconds $ATTACK_SECONDS):"
  for attack in "${attacks[@]}"; do
    for s in "${servers[@]}"; do
      if ! kill -0 "$(pid_of "$s")" 2>/dev/null; then
        echo "  $(label_of "$s") had exited; restarting it"
        start_server "$s"
      fi
      port=$(port_of "$s")
      rc=0
      extra=()
      [ "$pid_flag" = true ] && extra=(--pid "$(pid_of "$s")")
      # shellcheck disable=SC2086  # ATTACK_ARGS is word-split on purpose.
      timeout $((ATTACK_SECONDS + 60)) "$attack_cli" --host 127.0.0.1 --port "$port" \
        --attack "$attack" --seconds "$ATTACK_SECONDS" "${extra[@]+"${extra[@]}"}" ${ATTACK_ARGS:-} \
        >"$tmp/attack.out" 2>"$tmp/attack.err" &
      attack_pid=$!
      pids+=("$attack_pid")
      wait "$attack_pid" || rc=$?
      line=$(grep . "$tmp/attack.out" | tail -n 1) || true  # its summary
      [ -n "$line" ] || line="(no output) $(tail -n 1 "$tmp/attack.err")"
      health=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://127.0.0.1:$port/health") || true
      alive=alive
      kill -0 "$(pid_of "$s")" 2>/dev/null || alive=EXITED
      summary=$(summarize_attack "$line" 2>/dev/null) || summary=
      printf '  %-15s %-4s %s  [exit %d; after: %s, /health %s]\n' "$attack" "$(label_of "$s")" \
        "${summary:-$line}" "$rc" "$alive" "${health:-none}"
      printf '%-15s %-4s %s\n' "$attack" "$(label_of "$s")" "$line" >>"$tmp/attack.raw"
      # attack_cli's earlier lines, if it printed more than one.
      grep . "$tmp/attack.out" | sed '$d; s/^/      /' || true
    done
  done
  echo
  echo "attack_cli's lines (JSON):"
  sed 's/^/  /' "$tmp/attack.raw"
  exit 0
fi

# --- compare mode --------------------------------------------------------------
# to_ms VALUE: wrk's "1.23ms" / "456.00us" / "1.02s" / "1.5m" in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000;
    else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000;
    printf "%.3f", n }'
}

# run_wrk SERVER CASE ROUND: one wrk run; appends a line to $tmp/runs:
# case server round req_s p50_ms p99_ms max_ms errors timeouts non2xx cpu_us_per_req
run_wrk() {
  local s=$1 c=$2 r=$3 port path hdr=() out="$tmp/wrk-$1-$2-$3.txt"
  port=$(port_of "$s")
  case "$c" in
    metrics) path=/metrics ;;
    metrics_gzip) path=/metrics; hdr=(-H 'Accept-Encoding: gzip') ;;
    health) path=/health ;;
    *) die "unknown case $c (CASES: metrics metrics_gzip health)" ;;
  esac
  kill -0 "$(pid_of "$s")" 2>/dev/null || die "$(label_of "$s") exited before the $c run $r"
  local before after
  before=$(cpu_ticks "$(pid_of "$s")")
  # In the background, so that a signal to this script ends the run at once.
  timeout $((WRK_SECONDS + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WRK_SECONDS}s" \
    --timeout "$WRK_TIMEOUT" --latency \
    "${hdr[@]+"${hdr[@]}"}" "http://127.0.0.1:$port$path" >"$out" 2>&1 &
  local wrk_pid=$!
  pids+=("$wrk_pid")
  wait "$wrk_pid" || die "wrk against $(label_of "$s") $path failed: $(cat "$out")"
  after=$(cpu_ticks "$(pid_of "$s")")
  local rps p50 p99 max requests errors timeouts non2xx cpu
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  max=$(to_ms "$(awk '$1 == "Latency" && NF >= 4 { print $4; exit }' "$out")")
  requests=$(awk '/ requests in / { print $1 }' "$out")
  # "Socket errors: connect C, read R, write W, timeout T"
  errors=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 }' "$out")
  timeouts=$(awk '/Socket errors:/ { gsub(/,/, ""); print $10 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="${requests:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "nan" }')
  [ -n "$rps" ] || die "no Requests/sec in wrk's output: $(cat "$out")"
  echo "$c $s $r $rps $p50 $p99 $max ${errors:-0} ${timeouts:-0} ${non2xx:-0} $cpu" >>"$tmp/runs"
  printf '  %-13s %-4s round %d: %9.1f req/s  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  socket errors %s  timeouts %s  non-2xx %s  server CPU %s us/req\n' \
    "$c" "$(label_of "$s")" "$r" "$rps" "$p50" "$p99" "$max" "${errors:-0}" "${timeouts:-0}" "${non2xx:-0}" "$cpu" >&2
}

read -r -a cases <<<"$CASES"
echo
echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${WRK_SECONDS}s --timeout $WRK_TIMEOUT --latency, $ROUNDS round(s) per case, alternating $(for s in "${servers[@]}"; do printf '%s ' "$(label_of "$s")"; done)" >&2
: >"$tmp/runs"
for c in "${cases[@]}"; do
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${servers[@]}"; do run_wrk "$s" "$c" "$r"; done
  done
done

echo
echo "means over $ROUNDS run(s) each; ratios are ours/Go (req/s: >1 means ours serves more; p99: <1 means ours is faster)"
awk -v rounds="$ROUNDS" '
  function label(c) {
    if (c == "metrics") return "/metrics text"
    if (c == "metrics_gzip") return "/metrics gzip"
    if (c == "health") return "/health"
    return c
  }
  {
    k = $1 SUBSEP $2
    rps[k] += $4; p99[k] += $6; if ($7 > mx[k]) mx[k] = $7
    err[k] += $8; tmo[k] += $9; non[k] += $10; cpu[k] += $11; n[k]++
    runs[k] = runs[k] (runs[k] == "" ? "" : "/") sprintf("%.0f", $4)
    if (!($1 in seen)) { seen[$1] = 1; order[++nc] = $1 }
  }
  END {
    printf "%-14s %11s %11s %7s %9s %9s %7s %9s %9s %11s %11s %s\n", "path", "ours req/s", "Go req/s",
      "ratio", "ours p99", "Go p99", "ratio", "ours max", "Go max", "ours CPU", "Go CPU", "err/timeout/non-2xx (ours; Go)"
    printf "%-14s %11s %11s %7s %9s %9s %7s %9s %9s %11s %11s\n", "", "", "", "", "ms", "ms", "", "ms", "ms",
      "us/req", "us/req"
    for (i = 1; i <= nc; i++) {
      c = order[i]; o = c SUBSEP "ours"; g = c SUBSEP "go"
      go_rps = n[g] ? rps[g] / n[g] : 0; go_p99 = n[g] ? p99[g] / n[g] : 0
      if (n[o]) {
        our_rps = rps[o] / n[o]; our_p99 = p99[o] / n[o]
        printf "%-14s %11.0f %11.0f %6.2fx %9.2f %9.2f %6.2fx %9.1f %9.1f %11.1f %11.1f %d/%d/%d; %d/%d/%d\n", label(c),
          our_rps, go_rps, our_rps / go_rps, our_p99, go_p99, our_p99 / go_p99, mx[o], mx[g],
          cpu[o] / n[o], cpu[g] / n[g], err[o], tmo[o], non[o], err[g], tmo[g], non[g]
      } else {
        printf "%-14s %11s %11.0f %7s %9s %9.2f %7s %9s %9.1f %11s %11.1f -; %d/%d/%d\n", label(c), "-", go_rps, "-",
          "-", go_p99, "-", "-", mx[g], "-", cpu[g] / n[g], err[g], tmo[g], non[g]
      }
    }
    printf "\nreq/s per run (round 1/round 2/...):\n"
    for (i = 1; i <= nc; i++) {
      c = order[i]
      printf "  %-14s ours %s  Go %s\n", label(c), (c SUBSEP "ours") in runs ? runs[c SUBSEP "ours"] : "-",
        runs[c SUBSEP "go"]
    }
  }' "$tmp/runs"

# Anything our server logged while under load (errors, warnings).
for s in "${servers[@]}"; do
  kill -0 "$(pid_of "$s")" 2>/dev/null || echo "note: $(label_of "$s") exited during the runs" >&2
  if [ -s "$tmp/$s.err" ]; then
    echo "stderr of $(label_of "$s") ($(wc -l <"$tmp/$s.err") lines), last 10:" >&2
    tail -n 10 "$tmp/$s.err" | sed 's/^/  /' >&2
  fi
done
