#!/usr/bin/env bash
# Takes a PNG of a running Prometheus's graph page for the per-service processing rate.
#
#   tools/screenshot-prometheus.sh [PROMETHEUS_URL] [OUT_PNG] [RANGE]
#
# PROMETHEUS_URL defaults to $PROMETHEUS_URL (set by
# tests/ecosystem/verify_dashboard_static.sh -- tools/screenshot-prometheus.sh), OUT_PNG to
# docs/prometheus-graph.png, RANGE (the graph's time range) to 5m. Uses headless Chromium,
# installing Debian's `chromium` package with apt-get when it is missing and we are root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
url=${1:-${PROMETHEUS_URL:-}}
out=${2:-$root/docs/prometheus-graph.png}
range=${3:-5m}
expr='sum by (service) (rate(semstreams_messages_processed_total[1m]))'

if [[ -z "$url" ]]; then
  echo "usage: $0 PROMETHEUS_URL [OUT_PNG] [RANGE]   (or set PROMETHEUS_URL)" >&2
  exit 2
fi
url=${url%/}

chromium=${CHROMIUM:-}
if [[ -z "$chromium" ]]; then
  chromium=$(command -v chromium || command -v chromium-browser || true)
fi
if [[ -z "$chromium" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing chromium with apt-get..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2
    chromium=$(command -v chromium)
  else
    echo "$0: chromium not found; install it (apt-get install chromium) or set CHROMIUM" >&2
    exit 1
  fi
fi

# Fail early, with a clear message, if Prometheus is not answering.
if ! python3 - "$url" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/-/ready", timeout=5) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception as e:
    print(f"{sys.argv[1]} is not ready: {e}", file=sys.stderr)
    sys.exit(1)
PY
then
  exit 1
fi

query=$(python3 -c 'import sys, urllib.parse
print(urllib.parse.urlencode({"g0.expr": sys.argv[1], "g0.tab": "0", "g0.stacked": "0",
                              "g0.show_exemplars": "0", "g0.range_input": sys.argv[2]}))' \
  "$expr" "$range")
page="$url/graph?$query"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
rm -f "$out"

# The React UI fetches the query after load: the virtual time budget lets it finish rendering.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1400,900 --virtual-time-budget=10000 --screenshot="$out" "$page" \
  >"$profile/chromium.log" 2>&1 || {
  echo "$0: chromium failed:" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 1
}

if [[ ! -s "$out" ]]; then
  echo "$0: no screenshot written to $out" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 1
fi
echo "wrote $out ($(stat -c %s "$out") bytes) from $page"
