#!/usr/bin/env bash
# End to end with Prometheus 3: created timestamps and native-only exemplars.
#
#   SEMSTREAMS_E2E_PROMETHEUS_DEB=<prometheus 3 .deb> created_timestamp_test.sh <late_counter binary>
#
# late_counter creates a counter, increments it 8 s later, and only then is
# Prometheus 3.5.3 started, with created-timestamp ingestion: it scrapes 1
# but must also store a 0 at the counter's creation time (within 2 s), a
# time it never scraped. The native-only histogram's exemplar must come back
# from query_exemplars.
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: created_timestamp_test.sh <late_counter binary>}
[ -n "${SEMSTREAMS_E2E_PROMETHEUS_DEB:-}" ] || fail "SEMSTREAMS_E2E_PROMETHEUS_DEB names no Prometheus 3"
echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"

port=$(free_port)
start_example "$bin" "$port" --delay 8
created=$(sed -n 's/^created //p' "$EXAMPLE_OUT")
echo "counter created at $created"
deadline=$(_deadline 30)
until grep -q '^incremented$' "$EXAMPLE_OUT"; do
  _before "$deadline" || fail "late_counter never incremented"
  sleep 0.2
done

export HARNESS_PROM_FLAGS="--enable-feature=created-timestamp-zero-ingestion,native-histograms,exemplar-storage"
start_prometheus "127.0.0.1:$port" /metrics
wait_for_query 'late_events_total == 1' 30 >/dev/null || fail "late_events_total never reached 1"

samples=$(prom_query 'late_events_total[10m]')
echo "stored samples: $samples"
python3 - "$samples" "$created" <<'PY' || fail "no 0 sample at the creation time"
import json, sys
samples = json.loads(sys.argv[1])["data"]["result"][0]["values"]
created = float(sys.argv[2])
zeros = [t for t, v in samples if float(v) == 0 and abs(float(t) - created) <= 2]
print("0 samples within 2 s of the creation time:", zeros)
sys.exit(0 if zeros else 1)
PY
check "a 0 sample at the creation time, where Prometheus never scraped" true

start=$(($(date +%s) - 600))
end=$(($(date +%s) + 60))
exemplars=""
deadline=$(_deadline 20)
while _before "$deadline"; do
  exemplars=$(curl -fsS --get --data-urlencode "query=late_latency_seconds" \
    --data-urlencode "start=$start" --data-urlencode "end=$end" "$PROM_URL/api/v1/query_exemplars")
  grep -q 'late-trace' <<<"$exemplars" && break
  sleep 0.5
done
echo "exemplars: $exemplars"
grep -q '"trace_id":"late-trace"' <<<"$exemplars" || fail "the native-only histogram's exemplar was not stored"
check "the native-only histogram's exemplar is returned by query_exemplars" true

harness_finish
