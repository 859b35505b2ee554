#!/usr/bin/env bash
# Installs the built project into a scratch prefix, then builds and runs a
# project outside the tree against it, once through find_package and once
# through pkg-config; then points a consumer at a prometheus-cpp other than
# the one the library was built against, which must fail at configure time.
# Usage: install_test.sh <cmake> <build-dir> <source-dir> <generator> [sanitizer] [system|fetched]
# The other prometheus-cpp: $SEMSTREAMS_METRIC_OTHER_PROMETHEUS_CPP_DIR (its
# CMake package directory); by default, for a fetched build, the system's.
set -euo pipefail

cmake_bin=$1
build_dir=$2
source_dir=$3
generator=$4
sanitize=${5:-}
deps_mode=${6:-system}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# The library's sanitizer flags are directory options, not usage requirements,
# so a consumer of a sanitized build must ask for the same runtime itself.
case "$sanitize" in
  address) san_flags="-fsanitize=address,undefined" ;;
  thread) san_flags="-fsanitize=thread" ;;
  *) san_flags="" ;;
esac

expect() {  # expect <file> <fixed line>
  if ! grep -qxF -- "$2" "$1"; then
    echo "FAIL: missing line: $2" >&2
    echo "--- output was:" >&2
    cat "$1" >&2
    exit 1
  fi
}

check_output() {
  expect "$1" '# TYPE consumer_operations_total counter'
  expect "$1" 'consumer_operations_total 3'
  expect "$1" 'semstreams_service_status{service="consumer"} 2'
  expect "$1" 'semstreams_messages_processed_total{service="consumer",type="",status="success"} 7'
  expect "$1" 'semstreams_nats_rtt_milliseconds 1.5'
  expect "$1" '# TYPE process_open_fds gauge'
}

echo "== install into $prefix"
"$cmake_bin" --install "$build_dir" --prefix "$prefix" > "$work/install.log"

echo "== find_package consumer"
"$cmake_bin" -S "$source_dir/tests/install_consumer" -B "$work/consumer" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="$san_flags" -DCMAKE_EXE_LINKER_FLAGS="$san_flags" > "$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
"$cmake_bin" --build "$work/consumer" > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/consumer/app" > "$work/cmake_app.out"
check_output "$work/cmake_app.out"
echo "find_package consumer: OK"

echo "== pkg-config consumer"
pc_file=$(find "$prefix" -name semstreams_metric.pc -print -quit)
if [[ -z "$pc_file" ]]; then
  echo "FAIL: semstreams_metric.pc was not installed" >&2
  exit 1
fi
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc_file")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
# A prometheus-cpp from a prefix of its own (CMAKE_PREFIX_PATH) has its
# pkg-config files there, not where pkg-config looks by default.
config=$(find "$prefix" -name semstreams_metricConfig.cmake -print -quit)
prometheus_cpp_dir=$(sed -n 's/^set(_semstreams_metric_prometheus_cpp_dir "\(.*\)")$/\1/p' "$config")
if [[ -n "$prometheus_cpp_dir" ]]; then
  for dir in "$prometheus_cpp_dir/../../pkgconfig" "$prometheus_cpp_dir/../../../share/pkgconfig"; do
    if [[ -f "$dir/prometheus-cpp-core.pc" ]]; then
      PKG_CONFIG_PATH=$(cd "$dir" && pwd):$PKG_CONFIG_PATH
      echo "prometheus-cpp's pkg-config files: $(cd "$dir" && pwd)"
    fi
  done
fi
flags=$(pkg-config --cflags --libs semstreams_metric)
echo "pkg-config --cflags --libs: $flags"
# The flags must point into the prefix the package was installed to.
if [[ "$flags" != *"-I$prefix/"* ]]; then
  echo "FAIL: pkg-config include flags do not point into $prefix" >&2
  exit 1
fi
# shellcheck disable=SC2086  # pkg-config output is a list of words
c++ -std=c++17 $san_flags "$source_dir/tests/install_consumer/main.cc" -o "$work/pc_app" $flags
"$work/pc_app" > "$work/pc_app.out"
check_output "$work/pc_app.out"
echo "pkg-config consumer: OK"

echo "== pkg-config consumer of semstreams_metric_core alone"
flags=$(pkg-config --cflags --libs semstreams_metric_core)
echo "pkg-config --cflags --libs semstreams_metric_core: $flags"
if [[ "$flags" == *-lsemstreams_metric_server* || "$flags" == *-lcurl* || "$flags" == *-lssl* ]]; then
  echo "FAIL: semstreams_metric_core.pc names libraries of the server or the Pusher" >&2
  exit 1
fi
# shellcheck disable=SC2086  # pkg-config output is a list of words
c++ -std=c++20 $san_flags "$source_dir/tests/core_only/main.cc" -o "$work/core_app" $flags
"$work/core_app" > "$work/core_app.out"
expect "$work/core_app.out" 'status 200'
expect "$work/core_app.out" 'core_only_queue_depth 12'
echo "core-only pkg-config consumer: OK"

echo "== consumer pointed at another prometheus-cpp"
other=${SEMSTREAMS_METRIC_OTHER_PROMETHEUS_CPP_DIR:-}
if [[ -z "$other" && "$deps_mode" == fetched ]]; then
  other=$(dirname "$(find /usr/lib /usr/local/lib -path '*/cmake/prometheus-cpp/prometheus-cpp-config.cmake' \
    -print -quit 2>/dev/null)")
  [[ "$other" != . ]] || other=""
fi
if [[ -z "$other" ]]; then
  echo "SKIPPED: no other prometheus-cpp to point at (set SEMSTREAMS_METRIC_OTHER_PROMETHEUS_CPP_DIR)"
  exit 0
fi
built_version=$(sed -n 's/^set(_semstreams_metric_prometheus_cpp_version "\(.*\)")$/\1/p' \
  "$(find "$prefix" -name semstreams_metricConfig.cmake -print -quit)")
echo "built against prometheus-cpp $built_version; the other one: $other"

# 1. The consumer finds prometheus-cpp itself first, so the other one is
#    already loaded when semstreams_metric's package config runs: an error.
if "$cmake_bin" -S "$source_dir/tests/install_consumer" -B "$work/wrong" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$prefix" -Dprometheus-cpp_DIR="$other" \
  -DCONSUMER_FINDS_PROMETHEUS_CPP_FIRST=ON > "$work/wrong.log" 2>&1; then
  cat "$work/wrong.log"
  echo "FAIL: configuring against the other prometheus-cpp succeeded" >&2
  exit 1
fi
# CMake wraps the message; compare it with the lines joined.
joined=$(tr -s ' \n' '  ' <"$work/wrong.log")
if [[ "$joined" != *"needs that version"* || "$joined" != *"at prometheus-cpp $built_version."* ]]; then
  cat "$work/wrong.log"
  echo "FAIL: the configure error does not name prometheus-cpp $built_version" >&2
  exit 1
fi
grep -B1 -A4 "needs" "$work/wrong.log"
echo "consumer that found another prometheus-cpp first: configure error naming $built_version: OK"

# 2. Only prometheus-cpp_DIR names the other one: the package config either
#    finds the right one anyway (it asks for the exact version) or refuses;
#    whatever it configures must run correctly.
if "$cmake_bin" -S "$source_dir/tests/install_consumer" -B "$work/wrong2" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$prefix" -Dprometheus-cpp_DIR="$other" \
  -DCMAKE_CXX_FLAGS="$san_flags" -DCMAKE_EXE_LINKER_FLAGS="$san_flags" > "$work/wrong2.log" 2>&1; then
  "$cmake_bin" --build "$work/wrong2" > "$work/build2.log" || { cat "$work/build2.log"; exit 1; }
  "$work/wrong2/app" > "$work/wrong2.out"
  check_output "$work/wrong2.out"
  echo "prometheus-cpp_DIR at the other one: found prometheus-cpp $built_version anyway, runs: OK"
elif [[ "$(tr -s ' \n' '  ' <"$work/wrong2.log")" == *"at prometheus-cpp $built_version."* ]]; then
  echo "prometheus-cpp_DIR at the other one: configure error naming $built_version: OK"
else
  cat "$work/wrong2.log"
  echo "FAIL: configure failed without naming prometheus-cpp $built_version" >&2
  exit 1
fi
