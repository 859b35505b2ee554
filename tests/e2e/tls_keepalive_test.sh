#!/usr/bin/env bash
# End to end: a real Prometheus scraping the example server over TLS keeps its
# connection, so it pays for one TLS handshake instead of one per scrape.
#
#   tls_keepalive_test.sh <path to examples/metrics_server>
#
# Against the prometheus on PATH, or SEMSTREAMS_E2E_PROMETHEUS_DEB's (see
# harness.sh). Prometheus scrapes every second for SECONDS (default 30)
# while every TCP connection to the server's port is sampled from
# /proc/net/tcp; connections that closed stay in TIME_WAIT for a minute on one
# side or the other, so none goes unseen. Asserts: at least 20 scrapes, at
# most 3 connections.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: tls_keepalive_test.sh <metrics_server binary>}
seconds=${E2E_KEEPALIVE_SECONDS:-30}
command -v prometheus >/dev/null || fail "prometheus is not on PATH"
echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"

dir="$HARNESS_TMP/tls"
make_tls_certs "$dir"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >"$dir/web.yml"

port=$(free_port)
start_example "$bin" "$port" --web-config "$dir/web.yml"
echo "example: $EXAMPLE_URL (pid $EXAMPLE_PID)"

# The quotes are YAML's, meant literally.
# shellcheck disable=SC2089,SC2090
HARNESS_PROM_SCRAPE_CONFIGS="  - job_name: semstreams
    scheme: https
    tls_config:
      ca_file: '$dir/ca.crt'
    static_configs:
      - targets: ['127.0.0.1:$port']"
# shellcheck disable=SC2090
export HARNESS_PROM_SCRAPE_CONFIGS
start_prometheus unused unused
echo "prometheus: $PROM_URL (pid $PROM_PID)"
wait_for_query 'up{job="semstreams"} == 1' 30 >/dev/null || fail "the target never came up"

# Distinct connections to the port (by the client's port) over the window.
connections=$(python3 - "$port" "$seconds" <<'PY'
import sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
seen = set()
end = time.monotonic() + seconds
while time.monotonic() < end:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                local = int(fields[1].rsplit(":", 1)[1], 16)
                remote = int(fields[2].rsplit(":", 1)[1], 16)
                if fields[3] == "0A":  # LISTEN
                    continue
                if local == port:
                    seen.add(remote)
                elif remote == port:
                    seen.add(local)
    time.sleep(0.2)
print(len(seen))
PY
)
scrapes=$(prom_first_value "$(prom_query "count_over_time(up{job=\"semstreams\"}[${seconds}s])")")
echo "over ${seconds}s: $scrapes scrapes on $connections connection(s)"
check "Prometheus scraped at least 20 times" test "${scrapes%.*}" -ge 20
check "its scrapes shared at most 3 connections" test "$connections" -le 3
harness_finish
