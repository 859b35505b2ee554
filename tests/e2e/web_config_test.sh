#!/usr/bin/env bash
# End to end: the example server with an exporter-toolkit web config (TLS and
# basic auth), scraped by a real Prometheus over HTTPS.
#
#   web_config_test.sh <path to examples/metrics_server>
#
# Certificates come from the openssl CLI; the bcrypt hash is the one Go's
# golang.org/x/crypto/bcrypt made for exporter-toolkit ("fakepassword").
# Asserts: the right password gives up == 1, a wrong one up == 0 with the
# target's error naming 401, and curl sees 401 + WWW-Authenticate: Basic.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: web_config_test.sh <metrics_server binary>}
query_timeout=${E2E_QUERY_TIMEOUT:-30}
dir="$HARNESS_TMP/tls"
make_tls_certs "$dir"

# Relative file names: resolved against the web config's directory.
cat >"$dir/web.yml" <<'YAML'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS12
basic_auth_users:
  prometheus: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
YAML

port=$(free_port)
start_example "$bin" "$port" --web-config "$dir/web.yml"
echo "example: $EXAMPLE_URL (pid $EXAMPLE_PID)"
check "the printed address is https" grep -q "^https://" <<<"$EXAMPLE_URL"

url="https://127.0.0.1:$port/metrics"
status_of() { curl -sS --cacert "$dir/ca.crt" -o /dev/null -w '%{http_code}' "$@"; }
check "no credentials: 401" test "$(status_of "$url")" = 401
check "wrong password: 401" test "$(status_of -u prometheus:wrong "$url")" = 401
check "right password: 200" test "$(status_of -u prometheus:fakepassword "$url")" = 200
headers=$(curl -sS --cacert "$dir/ca.crt" -D - -o /dev/null "$url")
check "401 carries WWW-Authenticate: Basic" grep -qi '^WWW-Authenticate: Basic' <<<"$headers"
check "configured header on every response" grep -qi '^X-Content-Type-Options: nosniff' \
  <<<"$headers"
check "plain HTTP gets no metrics" \
  test "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics" || true)" != 200

job() {
  cat <<JOB
  - job_name: $1
    scheme: https
    metrics_path: /metrics
    tls_config:
      ca_file: '$dir/ca.crt'
    basic_auth:
      username: prometheus
      password: '$2'
    static_configs:
      - targets: ['127.0.0.1:$port']
JOB
}
HARNESS_PROM_SCRAPE_CONFIGS="$(job semstreams fakepassword)
$(job wrong_password wrong)"
export HARNESS_PROM_SCRAPE_CONFIGS
start_prometheus unused unused
echo "prometheus: $PROM_URL (pid $PROM_PID)"

query_has_data() { wait_for_query "$1" "$query_timeout" >/dev/null; }
check 'up{job="semstreams"} == 1 (TLS + basic auth)' query_has_data 'up{job="semstreams"} == 1'
check 'semstreams_nats_connected arrives' query_has_data 'semstreams_nats_connected{job="semstreams"}'
check 'up{job="wrong_password"} == 0' query_has_data 'up{job="wrong_password"} == 0'
wrong_error=$(curl -fsS "$PROM_URL/api/v1/targets" | python3 -c 'import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    if t["labels"]["job"] == "wrong_password":
        print(t["lastError"])')
echo "wrong_password target error: $wrong_error"
check "the wrong-password scrape failed with 401" grep -q 401 <<<"$wrong_error"

harness_finish
