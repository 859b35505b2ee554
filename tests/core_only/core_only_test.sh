#!/usr/bin/env bash
# Runs the core-only consumer and checks that it serves a scrape, gzip
# included, without any library of the server or the Pusher loaded.
# Usage: core_only_test.sh <core_only_app>
set -euo pipefail
app=$1

out=$("$app")
for line in 'status 200' 'core_only_requests_total{code="200"} 5' 'core_only_queue_depth 12' \
  'semstreams_service_status{service="core_only"} 2' 'encoding gzip' '# EOF'; do
  if ! grep -qxF -- "$line" <<<"$out"; then
    echo "FAIL: missing line: $line" >&2
    echo "$out" >&2
    exit 1
  fi
done

libs=$(ldd "$app")
echo "$libs"
if grep -E 'libssl|libcrypto|libcurl|libsnappy|libyaml-cpp|libboost|libcrypt\.|libnghttp' <<<"$libs"; then
  echo "FAIL: a core-only consumer loads a library it does not use" >&2
  exit 1
fi
echo "core-only consumer: OK"
