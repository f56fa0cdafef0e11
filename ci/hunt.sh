#!/usr/bin/env bash
# The main job: build a fuzz target in the `fuzz` preset and hunt for findings.
#
#   bash ci/hunt.sh [--target NAME] [--time SECONDS] [--jobs N] [--out DIR] [--help]
#
#   --target NAME    fuzz target (default: pgtable_ops_fuzzer); see fuzzers/*/
#   --time SECONDS   wall-clock budget for fuzzing (default: 60)
#   --jobs N         parallel fuzzing processes, libFuzzer's -fork=N (default: 1)
#   --out DIR        where corpora, logs and reproducers go (default: out/hunt)
#
# Shows progress every 10 s. On a finding it prints the sanitizer or model report, minimises
# the reproducer and saves it. The last line is machine-readable:
#   FOUND <detector> <target> <seconds>s <reproducer-path>     (exit 1)
#   CLEAN <target> <execs> execs <seconds>s                     (exit 0)
# Any other exit status (2) means the hunt itself could not run (bad flag, build failure).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "hunt.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

target=pgtable_ops_fuzzer; budget=60; jobs=1; out=out/hunt
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --target) need_value "$@"; target=$2; shift 2 ;;
    --time) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--time takes a positive whole number of seconds, not '$2'"; budget=$2; shift 2 ;;
    --jobs) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--jobs takes a positive whole number, not '$2'"; jobs=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -d "fuzzers" ] || die "run from a svafuzz checkout"
known=$(ls -d corpus/*/ 2>/dev/null | xargs -n1 basename | tr '\n' ' ')
[ -d "corpus/$target" ] || die "unknown target '$target' (known: $known)"

bash ci/deps.sh >&2 || die "dependency installation failed"
echo "hunt: building $target in the fuzz preset" >&2
mkdir -p build; flog=build/hunt-build.log
cmake --preset fuzz >"$flog" 2>&1 || { cat "$flog" >&2; die "configure failed"; }
cmake --build --preset fuzz --target "$target" >>"$flog" 2>&1 || { tail -40 "$flog" >&2; die "build failed"; }
bin="$root/build/fuzz/fuzzers/$target"
[ -x "$bin" ] || die "no binary at $bin"

stamp=$(date +%Y%m%d-%H%M%S)
work="$out/$target-$stamp"
mkdir -p "$work/corpus" "$work/artifacts"
log="$work/fuzz.log"
opts=()
[ -f "fuzzers/${target%_fuzzer}/$target.dict" ] && opts+=("-dict=fuzzers/${target%_fuzzer}/$target.dict")
[ "$jobs" -gt 1 ] && opts+=("-fork=$jobs" "-ignore_crashes=0")

echo "hunt: fuzzing $target for ${budget}s with $jobs job(s); log: $log" >&2
start=$(date +%s)
"$bin" -max_total_time="$budget" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "${opts[@]}" "$work/corpus" "corpus/$target" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' INT TERM
while kill -0 $pid 2>/dev/null; do
  sleep 10
  kill -0 $pid 2>/dev/null || break
  last=$(grep -aE '^#[0-9]+' "$log" | tail -1 | sed -E 's/^(#[0-9]+).*exec\/s: ([0-9]+).*/\1 execs, \2 exec\/s/')
  echo "hunt: $(( $(date +%s) - start ))/${budget}s ${last:-starting}" >&2
done
wait $pid
elapsed=$(( $(date +%s) - start ))

crash=$(ls -t "$work"/artifacts/crash-* "$work"/artifacts/leak-* "$work"/artifacts/timeout-* 2>/dev/null | head -1)
if [ -z "$crash" ]; then
  execs=$(grep -aE 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  [ -n "$execs" ] || execs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  echo "CLEAN $target ${execs:-0} execs ${elapsed}s"
  exit 0
fi

detector() {
  local f=$1 d
  d=$(grep -aoE '==SVAFUZZ== FINDING [a-z-]+' "$f" | head -1 | awk '{print $3}')
  [ -n "$d" ] && { echo "$d"; return; }
  grep -aq 'AddressSanitizer' "$f" && { echo asan; return; }
  grep -aq 'ThreadSanitizer' "$f" && { echo tsan; return; }
  grep -aq 'LeakSanitizer' "$f" && { echo leak; return; }
  grep -aq 'runtime error:' "$f" && { echo ubsan; return; }
  grep -aq 'timeout' "$f" && { echo timeout; return; }
  echo crash
}

echo "hunt: finding after ${elapsed}s; minimising $crash" >&2
min="$work/reproducer-$(basename "$crash")"
"$bin" -minimize_crash=1 -max_total_time=60 -exact_artifact_path="$min" "$crash" \
  >"$work/minimize.log" 2>&1 || true
[ -s "$min" ] || cp "$crash" "$min"
"$bin" "$min" >"$work/report.txt" 2>&1 || true
echo "===== report (re-run of the minimised reproducer) =====" >&2
cat "$work/report.txt" >&2
echo "===== end of report =====" >&2
echo "FOUND $(detector "$work/report.txt") $target ${elapsed}s $min"
exit 1
