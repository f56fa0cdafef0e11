#!/usr/bin/env bash
# Builds a free-path design written against the plug-in API (docs/plugin-api.md) and tests it
# with every checker svafuzz has:
#
#   bash ci/plugin.sh FILE [--kernel PROFILE] [--hunt-time SECONDS] [--no-tsan] [--no-hunt]
#                     [--jobs N]
#
#   --kernel PROFILE  simulated kernel for every checker (default v6.19-fixed, where the
#                     hunt runs every op; `svafuzz kernels` lists them)
#
#   1. asan preset (AddressSanitizer + UBSan), FILE compiled in with -DSVAFUZZ_PLUGINS=FILE as
#      the design named after the file (my_patch.c -> my-patch);
#   2. litmus: every litmus shape, bounded exhaustive search (bound >= 2), expecting Never;
#   3. PCT at depths 2 and 3 on every shape, the IOMMU as its own agent (20000 runs each;
#      seeded random exploration was dropped: bench/systematic/arms.sh measured it finding
#      nothing that exhaustive search or PCT does not, docs/race-hunting.md);
#   4. tsan preset: real threads on every shape (ThreadSanitizer, halt_on_error=1);
#   5. the concurrent fuzzers (ci/hunt.sh --plugin FILE) for --hunt-time seconds (default 60).
# Builds go to build/plugin-<preset>. The last line is machine-readable:
#   FLAGGED <design> <checker>...     exit 1: some checker found a bug
#   CLEAN <design>                    exit 0
# Exit status 2: bad usage, missing file, or a failed build.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "plugin.sh: $*" >&2; exit 2; }

file=""; hunt_time=60; tsan=1; hunt=1; jobs=2; kernel=v6.19-fixed
while [ $# -gt 0 ]; do
  case "$1" in
    --hunt-time) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--hunt-time needs seconds"; hunt_time=$2; shift 2 ;;
    --jobs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"; jobs=$2; shift 2 ;;
    --kernel) [ -n "${2:-}" ] || die "--kernel needs a profile name"; kernel=$2; shift 2 ;;
    --no-tsan) tsan=0; shift ;;
    --no-hunt) hunt=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$file" ] || die "one plug-in file at a time"; file=$1; shift ;;
  esac
done
[ -n "$file" ] || { usage >&2; exit 2; }
[ -f "$file" ] || die "no such file '$file'"
file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
base=$(basename "$file"); base=${base%%.*}; design=${base//_/-}

build() {  # preset -> build dir on stdout
  local dir="$root/build/plugin-$1" log="$root/build/plugin-$1.log"
  mkdir -p "$root/build"
  { cmake --preset "$1" -B "$dir" "-DSVAFUZZ_PLUGINS=$file" &&
    cmake --build "$dir" --target svafuzz -j"$jobs"; } >"$log" 2>&1 ||
    { tail -30 "$log" >&2; die "build ($1) failed, log: $log"; }
  echo "$dir"
}

flagged=()
run_checker() {  # name command...
  local name=$1; shift
  echo; echo "=== $name: $*"
  "$@"; local rc=$?
  case $rc in
    0) echo "=== $name: clean" ;;
    1) echo "=== $name: FLAGGED"; flagged+=("$name") ;;
    *) die "$name could not run (exit $rc)" ;;
  esac
}

echo "plugin.sh: building $file as design '$design' (asan preset)"
asan=$(build asan)
bin="$asan/tools/svafuzz/svafuzz"
"$bin" designs --check "$design" --kernel "$kernel" --shape no-such-shape >/dev/null 2>"$root/build/plugin-kernel.err"
grep -q "unknown kernel profile" "$root/build/plugin-kernel.err" && die "$(cat "$root/build/plugin-kernel.err")"
"$bin" designs | grep -q "^$design " || die "design '$design' not registered: does $file end with SVAFUZZ_PAGETABLE_FREE_KERNEL(fn)?"
run_checker litmus bash ci/litmus.sh --svafuzz "$bin" --jobs "$jobs" --design "$design" --kernel "$kernel"
for depth in 2 3; do
  run_checker "pct-d$depth" "$bin" designs --check "$design" --strategy pct --depth $depth --runs 20000 --kernel "$kernel"
done
if [ "$tsan" = 1 ]; then
  echo "plugin.sh: building the tsan preset"
  tbin="$(build tsan)/tools/svafuzz/svafuzz"
  run_checker threads env TSAN_OPTIONS=halt_on_error=1 "$tbin" designs --check "$design" --strategy threads --runs 20 --kernel "$kernel"
fi
if [ "$hunt" = 1 ]; then
  if [ -f ci/hunt.sh ] && ls fuzzers/deferred_free_* >/dev/null 2>&1; then
    run_checker fuzzers bash ci/hunt.sh --plugin "$file" --kernel "$kernel" --time "$hunt_time"
  else
    echo "plugin.sh: no concurrent fuzzers in this tree (fuzzers/deferred_free_*); skipped"
  fi
fi
echo
if [ ${#flagged[@]} -gt 0 ]; then
  echo "FLAGGED $design ${flagged[*]}"
  exit 1
fi
echo "CLEAN $design"
exit 0
