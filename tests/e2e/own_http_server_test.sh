#!/usr/bin/env bash
# End to end: examples/own_http_server, a service's own Boost.Beast server
# answering /metrics through ScrapeHandler. Over real HTTP: text by default,
# OpenMetrics for Prometheus's Accept header, gzip when asked, HEAD, 404 off
# /metrics, promtool's check of the text; SIGTERM stops it with exit 0.
#
#   own_http_server_test.sh <path to examples/own_http_server>
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: own_http_server_test.sh <own_http_server binary>}
[ -x "$bin" ] || fail "$bin is not an executable"

out="$HARNESS_TMP/server.out"
err="$HARNESS_TMP/server.err"
_harness_logs+=("$out" "$err")
# Port 0: the server picks a free port and prints it, so no race for one.
"$bin" --port 0 --duration 120 >"$out" 2>"$err" &
pid=$!
harness_track "$pid"
deadline=$(_deadline "$E2E_START_TIMEOUT")
url=""
while [ -z "$url" ]; do
  url=$(sed -n 's#^listening on \(http://127\.0\.0\.1:[0-9]*/metrics\)$#\1#p' "$out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "own_http_server exited before listening: $(cat "$err")"
  _before "$deadline" || fail "no 'listening on' line within ${E2E_START_TIMEOUT}s"
  sleep 0.05
done
echo "own_http_server at $url"
base=${url%/metrics}

# fetch NAME [CURL ARGS...]: GET into $HARNESS_TMP/NAME.body and NAME.headers;
# prints the status code.
fetch() {
  local name=$1
  shift
  curl -sS -o "$HARNESS_TMP/$name.body" -D "$HARNESS_TMP/$name.headers" -w '%{http_code}' "$@"
}
# header NAME FIELD: the value of FIELD in NAME's response headers.
header() {
  sed -n "s/^$2: *//Ip" "$HARNESS_TMP/$1.headers" | tr -d '\r' | head -n 1
}
equals() { # equals DESCRIPTION WANT GOT
  [ "$2" = "$3" ] || {
    echo "  $1: want '$2', got '$3'" >&2
    return 1
  }
}
has_line() { # has_line FILE LINE
  grep -qxF -- "$2" "$1" || {
    echo "  no line '$2' in $1" >&2
    return 1
  }
}

text_plain='text/plain; version=0.0.4; charset=utf-8; escaping=underscores'
openmetrics='application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores'
prometheus_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
service_line='semstreams_service_status{service="own_http_server"} 2'

code=$(fetch text "$url")
check "GET /metrics is 200" equals status 200 "$code"
check "no Accept gets text 0.0.4" equals Content-Type "$text_plain" "$(header text Content-Type)"
check "text carries the service's status" has_line "$HARNESS_TMP/text.body" "$service_line"
no_eof() { ! grep -q '^# EOF' "$HARNESS_TMP/text.body"; }
check "text has no # EOF" no_eof
check "promtool accepts the text" promtool_check_metrics "$HARNESS_TMP/text.body"

code=$(fetch om -H "Accept: $prometheus_accept" "$url")
check "OpenMetrics GET is 200" equals status 200 "$code"
check "Prometheus's Accept gets OpenMetrics 1.0.0" \
  equals Content-Type "$openmetrics" "$(header om Content-Type)"
check "OpenMetrics ends with # EOF" equals "last line" "# EOF" "$(tail -n 1 "$HARNESS_TMP/om.body")"
check "OpenMetrics carries the service's status" has_line "$HARNESS_TMP/om.body" "$service_line"

# curl without --compressed leaves the body as sent: gunzip it here.
code=$(fetch gz -H 'Accept-Encoding: gzip' "$url")
check "gzip GET is 200" equals status 200 "$code"
check "gzip is announced" equals Content-Encoding gzip "$(header gz Content-Encoding)"
gunzipped() { gzip -dc <"$HARNESS_TMP/gz.body" >"$HARNESS_TMP/gz.text" && has_line "$HARNESS_TMP/gz.text" "$service_line"; }
check "gzip body inflates to the exposition" gunzipped

# HEAD over a raw socket: curl -I would not notice a body sent anyway.
raw_head() {
  python3 - "${base#http://}" >"$HARNESS_TMP/head.txt" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
with socket.create_connection((host, int(port)), timeout=10) as s:
    s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
fields = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
print(lines[0])
print(fields.get("content-length", "none"))
print(len(rest))
PY
}
head_has_length_no_body() {
  raw_head || return 1
  local status length extra
  { read -r status; read -r length; read -r extra; } <"$HARNESS_TMP/head.txt"
  echo "  $status; Content-Length: $length; bytes after the headers: $extra"
  [[ "$status" == "HTTP/1.1 200 OK" && "$length" =~ ^[1-9][0-9]*$ && "$extra" == 0 ]]
}
check "HEAD is 200 with a Content-Length and no body" head_has_length_no_body

code=$(fetch post -X POST "$url")
check "POST /metrics is 405" equals status 405 "$code"
check "405 names the allowed methods" equals Allow "GET, HEAD" "$(header post Allow)"

code=$(fetch missing "$base/nope")
check "another path is 404" equals status 404 "$code"
# The server counts what it answered, 404s included, on its own /metrics.
fetch again "$url" >/dev/null
check "the 404 was counted" \
  has_line "$HARNESS_TMP/again.body" 'own_http_server_requests_total{code="404"} 1'

kill -TERM "$pid"
wait_for_exit "$pid" 10 || fail "own_http_server did not stop on SIGTERM"
check "SIGTERM stops it with exit 0" equals "exit code" 0 "$EXIT_CODE"

harness_finish
