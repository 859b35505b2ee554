#!/bin/sh
# Validates the Prometheus alerting rules and runs their promtool unit tests.
# Run from the project root (ctest sets WORKING_DIRECTORY), or from anywhere: paths are resolved
# relative to this script. Needs promtool on PATH (Debian: apt-get install prometheus).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v promtool >/dev/null 2>&1; then
  echo "check_rules.sh: promtool not found on PATH" >&2
  exit 1
fi

promtool check rules "$root/alerts/semstreams.rules.yml"
promtool test rules "$root/alerts/semstreams.rules.test.yml"
