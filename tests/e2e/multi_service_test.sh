#!/usr/bin/env bash
# End to end: the multi_service example exits 0 (its totals were exact), and
# what it prints is Prometheus text that `promtool check metrics` accepts and
# that holds every service's metrics and the core families they recorded.
#
#   multi_service_test.sh <path to examples/multi_service>
# shellcheck source=tests/e2e/harness.sh
source "$(dirname "$0")/harness.sh"

bin=${1:?usage: multi_service_test.sh <multi_service binary>}
out="$HARNESS_TMP/multi_service.txt"
_harness_logs+=("$HARNESS_TMP/multi_service.err")

rc=0
"$bin" >"$out" 2>"$HARNESS_TMP/multi_service.err" || rc=$?
check "multi_service exits 0 (exit $rc)" test "$rc" -eq 0

for sample in \
  'http_requests_total{status="200",method="GET"}' \
  'cache_items{cache_type="entity"}' \
  'operations_total 4000' \
  'query_duration_seconds_count 4000' \
  'request_duration_seconds_bucket{endpoint="/v1/entities",le="0.001"}' \
  'active_connections 0' \
  'semstreams_messages_processed_total{service="service-2",type="",status="success"} 200' \
  'semstreams_service_status{service="websocket-service"} 2' \
  'process_resident_memory_bytes'; do
  check "output has $sample" grep -qF "$sample" "$out"
done

check 'the exposition passes promtool check metrics' promtool_check_metrics "$out"

harness_finish
