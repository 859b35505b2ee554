#!/usr/bin/env bash
# The installed library defines no symbol of another library, calls no
# malloc_trim, loads nothing at run time, and installs nothing but itself
# (the library lives in other people's processes).
#
#   no_foreign_symbols_test.sh <cmake> <build-dir> [system|fetched]
#
# Installs <build-dir> into a scratch prefix, then checks every library file
# it installed (lib*.a: every member object; lib*.so*: the dynamic and the
# static symbol tables), with nm's raw names demangled by c++filt:
#
# 1. Strong global definitions (nm types T D B R G S C i) must be ours: the
#    demangled name mentions `semstreams::` (our namespace, or a vtable,
#    typeinfo, thunk or template specialisation over our types, which no
#    other library can define), or a C name starting with `semstreams_`.
#    This is what catches `accept`, `accept4`, `malloc_trim` or
#    `SSL_get_peer_certificate` defined in the library: a strong definition
#    of another library's name takes that name over for the whole process.
# 2. Weak global definitions (W V u) are allowed when C++-mangled (`_Z...`):
#    they are the vague-linkage copies (inline functions, template
#    instantiations, typeinfo) that every object compiled against a std or
#    Boost header carries, identical by the ODR, and the linker keeps one.
#    Not allowed: any unmangled weak definition, ours included (Asio's
#    extern "C" inline thread entry, boost_asio_detail_posix_thread_function,
#    is renamed and private to each object: src/server/asio_thread_entry.h;
#    a weak `accept` interposes just like a strong one: the dynamic linker
#    takes the first definition it finds, weak or not), and the replaceable allocation
#    functions (`operator new`/`delete`, mangled _Znw/_Zna/_Zdl/_Zda,
#    placement forms excepted), which would replace the program's allocator.
#    The compiler's hidden `DW.ref.*` exception-handling references are
#    allowed; so are the linker's own `_init _fini _edata _end __bss_start`
#    in a shared library.
# 3. No undefined reference to malloc_trim, dlopen, dlmopen, dlsym or dlvsym
#    (nm -u; for a shared library, nm -D -u).
# 4. The install prefix holds no library or module but ours: every lib*.a,
#    lib*.so* or *.so it installed is a file one of our exported targets
#    names (IMPORTED_LOCATION in semstreams_metric-targets-*.cmake), or a
#    soname link to one, and sits in the library directory; that directory
#    holds nothing else but cmake/semstreams_metric/ and pkgconfig/
#    semstreams_metric*.pc. With `fetched` (SEMSTREAMS_METRIC_FETCH_DEPS),
#    prometheus-cpp's core library and its cmake/prometheus-cpp/ are
#    installed beside ours by design and allowed; their symbols are theirs
#    and not checked.
set -euo pipefail

cmake_bin=${1:?usage: no_foreign_symbols_test.sh <cmake> <build-dir> [system|fetched]}
build_dir=${2:?usage: no_foreign_symbols_test.sh <cmake> <build-dir> [system|fetched]}
deps_mode=${3:-system}
for tool in nm c++filt; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not on PATH" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
"$cmake_bin" --install "$build_dir" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; echo "FAIL: cmake --install failed" >&2; exit 1; }

failures=0
problem() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

config=$(find "$prefix" -name semstreams_metricConfig.cmake -print -quit)
[[ -n "$config" ]] || { echo "FAIL: no semstreams_metricConfig.cmake installed" >&2; exit 1; }
cmake_dir=$(dirname "$config")        # <libdir>/cmake/semstreams_metric
libdir=$(dirname "$(dirname "$cmake_dir")")
echo "library directory: ${libdir#"$prefix"/}"

# Our own library files: what the exported targets name.
declare -A ours=()
while IFS= read -r location; do
  ours[$(basename "$location")]=1
done < <(sed -n 's/^ *IMPORTED_LOCATION[A-Z_]* "\(.*\)"$/\1/p' "$cmake_dir"/semstreams_metric-targets-*.cmake)
[[ ${#ours[@]} -gt 0 ]] || { echo "FAIL: the exported targets name no library file" >&2; exit 1; }
echo "exported library files: ${!ours[*]}"

# is_ours FILE: FILE is an exported library file or a soname link to one.
is_ours() {
  local name target
  name=$(basename "$1")
  [[ "$name" == libsemstreams_metric* ]] || return 1
  [[ -n "${ours[$name]:-}" ]] && return 0
  [[ -L "$1" ]] || return 1
  target=$(readlink -f "$1")
  [[ "$(dirname "$target")" == "$(readlink -f "$libdir")" && -n "${ours[$(basename "$target")]:-}" ]]
}
is_fetched_dependency() {
  [[ "$deps_mode" == fetched && "$(basename "$1")" == libprometheus-cpp-core.* ]]
}

# --- 4. nothing installed but our own libraries
checked=()
while IFS= read -r -d '' file; do
  if [[ "$(dirname "$file")" != "$libdir" ]]; then
    problem "library or module outside the library directory: ${file#"$prefix"/}"
  elif is_ours "$file"; then
    [[ -L "$file" ]] || checked+=("$file")
  elif is_fetched_dependency "$file"; then
    echo "allowed (fetched dependency): ${file#"$prefix"/}"
  else
    problem "not one of our exported libraries: ${file#"$prefix"/}"
    [[ -L "$file" ]] || checked+=("$file")  # and what it would bring in
  fi
done < <(find "$prefix" \( -type f -o -type l \) \( -name 'lib*.a' -o -name 'lib*.so*' -o -name '*.so' \) -print0)
while IFS= read -r -d '' entry; do
  name=$(basename "$entry")
  case "$name" in
    cmake)
      for sub in "$entry"/*; do
        case "$(basename "$sub")" in
          semstreams_metric) ;;
          prometheus-cpp) [[ "$deps_mode" == fetched ]] || problem "foreign package: ${sub#"$prefix"/}" ;;
          *) problem "foreign package: ${sub#"$prefix"/}" ;;
        esac
      done
      ;;
    pkgconfig)
      for sub in "$entry"/*; do
        [[ "$(basename "$sub")" == semstreams_metric*.pc ]] || problem "foreign pkg-config file: ${sub#"$prefix"/}"
      done
      ;;
    *)
      if [[ -d "$entry" ]]; then
        problem "unexpected directory in the library directory: ${entry#"$prefix"/}"
      elif [[ ! -f "$entry" && ! -L "$entry" ]]; then
        problem "unexpected entry in the library directory: ${entry#"$prefix"/}"
      fi
      ;;
  esac
done < <(find "$libdir" -mindepth 1 -maxdepth 1 -print0)
[[ ${#checked[@]} -gt 0 ]] || problem "no library file of ours was installed"

# --- 1 and 2. definitions; 3. references
# symbols FILE [nm flags...]: "where type name" lines of FILE's global symbols.
symbols() {
  local file=$1
  shift
  nm -A "$@" "$file" 2>/dev/null | awk 'NF == 3 { print $1, $2, $3 }'
}
linker_defined='^(_init|_fini|_edata|_end|__bss_start)$'
# Placement new and delete (inline in <new>, weak at -O0) replace nothing.
placement='^_Z(nw|na)mPv$|^_Z(dl|da)PvS_$'
for file in "${checked[@]}"; do
  rel=${file#"$prefix"/}
  : >"$work/defined"
  symbols "$file" --defined-only >>"$work/defined"
  if [[ "$file" == *.so* ]]; then
    symbols "$file" -D --defined-only >>"$work/defined"
    symbols "$file" -D -u >"$work/undefined"
  else
    symbols "$file" -u >"$work/undefined"
  fi
  [[ -s "$work/defined" ]] || problem "$rel: nm found no symbols"
  # member NM-PREFIX: the archive member of an `nm -A` prefix ("" for a .so).
  member() {
    local m=${1#"$file"}
    m=${m#:}
    [[ "$m" == *:* ]] && m=${m%:*} || m=""  # drop the address, keep the member
    echo "${m:+ ($m)}"
  }
  # Strong: the names demangled in one c++filt run, beside where they are.
  awk '$2 ~ /^[TDBRGSCi]$/ { sub(/@.*/, "", $3); print $3, $1 }' "$work/defined" |
    sort -u -k1,1 >"$work/strong"
  cut -d' ' -f1 "$work/strong" | c++filt >"$work/strong.demangled"
  while IFS=$'\t' read -r entry demangled; do
    raw=${entry%% *}
    [[ "$demangled" == *semstreams::* || "$raw" == semstreams_* ]] && continue
    # ASan's one-definition-rule marker for a global of ours is named after it.
    if [[ "$raw" == __odr_asan.* && "$(c++filt "${raw#__odr_asan.}")" == *semstreams::* ]]; then
      continue
    fi
    [[ "$file" == *.so* && "$raw" =~ $linker_defined ]] && continue
    problem "$rel$(member "${entry#* }") defines $demangled, a name that is not ours"
  done < <(paste "$work/strong" "$work/strong.demangled")
  # Weak: mangled C++ only, never the allocation functions.
  while read -r raw where; do
    if [[ "$raw" == _Z* && ! "$raw" =~ ^_Z(nw|na|dl|da) ]]; then continue; fi
    [[ "$raw" =~ $placement ]] && continue
    [[ "$raw" == DW.ref.* ]] && continue
    [[ "$file" == *.so* && "$raw" =~ $linker_defined ]] && continue
    problem "$rel$(member "$where") defines weak $(c++filt "$raw"), a name that is not ours"
  done < <(awk '$2 ~ /^[WVu]$/ { sub(/@.*/, "", $3); print $3, $1 }' "$work/defined" |
           sort -u -k1,1)
  while read -r where name; do
    problem "$rel$(member "$where") references $name"
  done < <(awk '{ sub(/@.*/, "", $3) }
                $3 ~ /^(malloc_trim|dlopen|dlmopen|dlsym|dlvsym)$/ { print $1, $3 }' "$work/undefined" |
             sort -u)
  echo "checked $rel: $(awk '$2 ~ /^[TDBRGSCi]$/' "$work/defined" | wc -l) strong and" \
    "$(awk '$2 ~ /^[WVu]$/' "$work/defined" | wc -l) weak definitions"
done

if [[ "$failures" -ne 0 ]]; then
  echo "$failures problem(s)" >&2
  exit 1
fi
echo "no foreign symbols, no malloc_trim/dlopen/dlsym, nothing installed but our libraries: OK"
