#!/usr/bin/env bash
# Installs the built project into a scratch prefix, then builds and runs a
# project outside the tree against it, once through find_package and once
# through pkg-config.
# Usage: install_test.sh <cmake> <build-dir> <source-dir> <generator> [sanitizer]
set -euo pipefail

cmake_bin=$1
build_dir=$2
source_dir=$3
generator=$4
sanitize=${5:-}

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
