#!/usr/bin/env bash
# One civetweb per build: every object that includes civetweb.h includes the
# same file, and the civetweb code linked is the one that header belongs to.
# Reads Ninja's own records of the build (header dependencies and link
# commands) and the built executables' dynamic dependencies.
# Usage: one_civetweb_test.sh <ninja> <build-dir> <fetched|bundled|system>
set -euo pipefail

ninja=$1
build_dir=$(realpath "$2")
mode=$3

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cd "$build_dir"
deps=$("$ninja" -t deps)

# "<object>: #deps N, ..." lines, then one indented header per line.
headers_of() {  # headers_of <basename regex>: "<object> <absolute header>" pairs
  awk -v re="$1" '
    /^[^ ].*: #deps/ { sub(/: #deps.*/, ""); object = $0; next }
    /^ +/ { gsub(/^ +/, ""); n = split($0, parts, "/"); if (parts[n] ~ re) print object, $0 }
  ' <<<"$deps" | while read -r object header; do
    echo "$object $(realpath -m "$header")"
  done
}

civetweb_h=$(headers_of '^civetweb\.h$')
[[ -n "$civetweb_h" ]] || fail "no object includes civetweb.h (were the objects built with Ninja?)"
distinct=$(cut -d' ' -f2 <<<"$civetweb_h" | sort -u)
echo "civetweb.h used by $(wc -l <<<"$civetweb_h") objects: $distinct"
[[ $(wc -l <<<"$distinct") -eq 1 ]] || fail "objects include different civetweb.h files:
$civetweb_h"
grep -q 'server/server\.cc\.o ' <<<"$civetweb_h" || fail "src/server/server.cc's object is not among them"

server_civetweb_h=$(headers_of '^CivetServer\.h$' | cut -d' ' -f2 | sort -u)
[[ $(wc -l <<<"$server_civetweb_h") -eq 1 ]] || fail "objects include different CivetServer.h files:
$server_civetweb_h"
[[ $(dirname "$server_civetweb_h") == $(dirname "$distinct") ]] ||
  fail "CivetServer.h ($server_civetweb_h) is not beside civetweb.h ($distinct)"

executables=$(find "$build_dir" -path "$build_dir/_deps" -prune -o -type f -executable \
  \( -name '*_test' -o -name metrics_server -o -name multi_service \) -print)
[[ -n "$executables" ]] || fail "no executables found in $build_dir"

no_civetweb_library() {  # civetweb's code is inside prometheus-cpp-pull only
  if "$ninja" -t commands | grep -E -- '-lcivetweb|libcivetweb'; then
    fail "a link line names a civetweb library"
  fi
  while read -r exe; do
    if ldd "$exe" | grep -i civetweb; then
      fail "$exe loads a civetweb shared library"
    fi
  done <<<"$executables"
}

case "$mode" in
  fetched)
    # The header belongs to the civetweb compiled here, into prometheus-cpp-pull.
    grep -qE '/civetweb\.c\.o ' <<<"$civetweb_h" ||
      fail "civetweb.c was not compiled against $distinct"
    [[ "$distinct" == "$build_dir"/* ]] || fail "civetweb.h is not the fetched one: $distinct"
    no_civetweb_library
    echo "fetched: one civetweb, compiled into prometheus-cpp-pull; no libcivetweb linked"
    ;;
  bundled)
    # An installed prometheus-cpp's bundled civetweb: headers in include/prometheus/.
    [[ "$distinct" == */prometheus/civetweb.h ]] ||
      fail "civetweb.h is not prometheus-cpp's bundled one: $distinct"
    no_civetweb_library
    echo "bundled: one civetweb, inside the installed prometheus-cpp-pull; no libcivetweb linked"
    ;;
  system)
    # The header and the shared library must come from one civetweb version.
    libs=$(while read -r exe; do ldd "$exe" | awk '/libcivetweb\.so/ { print $3 }'; done \
      <<<"$executables" | sort -u)
    [[ $(wc -l <<<"$libs") -eq 1 && -n "$libs" ]] ||
      fail "executables load other than one libcivetweb: $libs"
    header_version=$(sed -n 's/^#define CIVETWEB_VERSION "\(.*\)"/\1/p' "$distinct")
    # libcivetweb.so.1.15.0 -> 1.15
    lib_version=$(basename "$(realpath "$libs")" | sed -n 's/^libcivetweb\.so\.\([0-9]*\.[0-9]*\).*/\1/p')
    echo "header $distinct says $header_version; $libs is $lib_version"
    [[ -n "$header_version" && "$header_version" == "$lib_version" ]] ||
      fail "civetweb.h is version $header_version but the linked library is $lib_version"
    ;;
  *) fail "mode must be fetched, bundled or system, not $mode" ;;
esac
echo "one civetweb: OK"
