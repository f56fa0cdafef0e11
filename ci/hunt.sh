#!/usr/bin/env bash
# The main job: build a fuzz target in the `fuzz` preset and hunt a free-path design's bugs.
#
#   bash ci/hunt.sh [--design NAME] [--plugin FILE] [--kernel PROFILE] [--target NAME] [--preset P]
#                   [--time SECONDS] [--ops SET] [--jobs N] [--seed N] [--out DIR] [--help]
#
#   --design NAME    free-path design under test (default: seed-v3); `--design list` lists them
#   --plugin FILE    a design of your own, one source file written against the plug-in API
#                    (docs/plugin-api.md); built into build/hunt-plugin and fuzzed under the
#                    name of its file (my_patch.c -> my-patch)
#   --kernel PROFILE simulated kernel (SVAFUZZ_KERNEL; `svafuzz kernels` lists them):
#                    v6.19-fixed (default: v6.19 with the fixes of its known gaps, so every op
#                    can be hunted), v6.19 (the gaps stay: docs/findings/), or v6.18
#   --target NAME    fuzz target (default: deferred_free_sched_fuzzer)
#   --preset NAME    fuzz (default: libFuzzer + ASan + UBSan) or fuzz-tsan (libFuzzer + TSan,
#                    TSAN_OPTIONS=halt_on_error=1: a data race ends the round; use it with
#                    --target deferred_free_threads_fuzzer, the real-thread backend)
#   --time SECONDS   wall-clock budget for fuzzing (default: 120)
#   --ops SET        scenario ops that run (SVAFUZZ_OPS): all (default), free-path (leaves
#                    out hot_remove, cpa, ptdump and exit, whose documented v6.19 gaps fire on
#                    every design under --kernel v6.19), or a comma list of op names
#   --jobs N         parallel fuzzing processes, libFuzzer's -fork=N (default: 1)
#   --seed N         libFuzzer -seed (default: 0 = libFuzzer picks one)
#   --out DIR        where corpora, logs and reproducers go (default: out/hunt)
#   --stop-on-known  stop at the first finding even if corpus/known-findings lists its
#                    signature (default: count it, keep one reproducer per signature, go on)
#
# Shows progress every 10 s. On a finding it minimises the input, then prints the sanitizer or
# model report, the interleaving that led to it (each agent's steps around the faulting walk)
# and the path of the saved reproducer. The last line is machine-readable:
#   FOUND <detector> <design> <seconds>s <reproducer-path>     (exit 1)
#   CLEAN <design> <execs> execs <seconds>s known=<n>           (exit 0)
# FOUND is printed only for a signature corpus/known-findings does not list (see --stop-on-known).
# Exit status 2 means the hunt itself could not run (bad flag, unknown design, build failure).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "hunt.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

design=""; plugin=""; target=deferred_free_sched_fuzzer; budget=120; jobs=1; seed=0; out=out/hunt
ops=all; kernel=v6.19-fixed; stop_on_known=0; known_file=corpus/known-findings; preset=fuzz
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --design) need_value "$@"; design=$2; shift 2 ;;
    --plugin) need_value "$@"; plugin=$2; shift 2 ;;
    --target) need_value "$@"; target=$2; shift 2 ;;
    --preset) need_value "$@"; case "$2" in fuzz|fuzz-tsan) preset=$2 ;; *) die "--preset is fuzz or fuzz-tsan, not '$2'" ;; esac; shift 2 ;;
    --time) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--time takes a positive whole number of seconds, not '$2'"; budget=$2; shift 2 ;;
    --jobs) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--jobs takes a positive whole number, not '$2'"; jobs=$2; shift 2 ;;
    --seed) need_value "$@"; is_uint "$2" || die "--seed takes a whole number, not '$2'"; seed=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --ops) need_value "$@"; ops=$2; shift 2 ;;
    --kernel) need_value "$@"; kernel=$2; shift 2 ;;
    --stop-on-known) stop_on_known=1; shift ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -d fuzzers ] || die "run from a svafuzz checkout"
[ -d "fuzzers/${target%_fuzzer}" ] || die "unknown target '$target' (known: $(ls fuzzers | grep -v common | sed 's/$/_fuzzer/' | tr '\n' ' '))"

build=build/$preset; cfg_extra=()
if [ -n "$plugin" ]; then
  [ -f "$plugin" ] || die "--plugin: no such file '$plugin'"
  plugin=$(cd "$(dirname "$plugin")" && pwd)/$(basename "$plugin")
  build=build/hunt-plugin${preset#fuzz}; cfg_extra=(-B "$build" "-DSVAFUZZ_PLUGINS=$plugin")
  base=$(basename "$plugin"); base=${base%%.*}
  [ -n "$design" ] || design=${base//_/-}
fi
[ -n "$design" ] || design=seed-v3

bash ci/deps.sh >&2 || die "dependency installation failed"
echo "hunt: building $target in the $preset preset ($build)" >&2
mkdir -p build; flog=build/hunt-build-$preset.log
cmake --preset "$preset" "${cfg_extra[@]}" >"$flog" 2>&1 || { cat "$flog" >&2; die "configure failed"; }
cmake --build "$build" --target "$target" >>"$flog" 2>&1 || { tail -40 "$flog" >&2; die "build failed"; }
bin="$root/$build/fuzzers/$target"
[ -x "$bin" ] || die "no binary at $bin"

# The target validates the design name itself (exit 2 and the list of known designs).
empty=$(mktemp -d); trap 'rm -rf "$empty"' EXIT
if [ "$design" = list ]; then
  SVAFUZZ_DESIGN=no-such-design "$bin" -runs=0 "$empty" 2>&1 | grep -v '^INFO' >&2; exit 0
fi
check=$(SVAFUZZ_DESIGN=$design SVAFUZZ_OPS=$ops SVAFUZZ_KERNEL=$kernel "$bin" -runs=0 "$empty" 2>&1); rc=$?
[ $rc -eq 2 ] && { echo "$check" | grep -v '^INFO' >&2; die "bad --design '$design', --kernel '$kernel' or --ops '$ops'"; }
export SVAFUZZ_DESIGN=$design SVAFUZZ_OPS=$ops SVAFUZZ_KERNEL=$kernel

stamp=$(date +%Y%m%d-%H%M%S)
work="$out/$design-$target-$stamp"
mkdir -p "$work/corpus" "$work/artifacts"
log="$work/fuzz.log"
opts=()
dict="fuzzers/${target%_fuzzer}/$target.dict"
[ -f "$dict" ] && opts+=("-dict=$dict")
[ "$jobs" -gt 1 ] && opts+=("-fork=$jobs" "-ignore_crashes=0")
[ "$seed" -gt 0 ] && opts+=("-seed=$seed")
# Seeds: the target's top-level corpus files only. libFuzzer reads directories recursively,
# and corpus/<target>/regressions/ holds known reproducers: a hunt must find bugs, not replay.
mkdir -p "$work/seeds"
[ -d "corpus/$target" ] && find "corpus/$target" -maxdepth 1 -type f -exec cp {} "$work/seeds/" \;
seeds=("$work/seeds")

echo "hunt: fuzzing design $design (kernel $kernel, ops $ops) with $target for ${budget}s, $jobs job(s); log: $log" >&2
# A finding whose signature corpus/known-findings lists (a documented gap) is counted, kept
# once as $work/known-<id>, and the hunt goes on in a new libFuzzer round with the time left
# (unless --stop-on-known). Any other finding ends the hunt.
# An entry counts only on the kernel profiles it lists: under v6.19-fixed a gap's signature
# means its fix does not hold, a new finding.
is_known() {  # id -> doc path on stdout if known for this design and kernel
  [ -f "$known_file" ] || return 1
  awk -v id="$1" -v d="$design" -v k="$kernel" '$1 !~ /^#/ && $1 == id && ($2 == "*" || $2 == d) &&
    ($3 == "*" || index("," $3 ",", "," k ",")) { print $4; found = 1; exit }
    END { exit !found }' "$known_file"
}
start=$(date +%s); round=0; known=0; total_execs=0
mkdir -p "$work/artifacts/known"
while :; do
  round=$((round + 1)); crash=""
  left=$(( budget - ($(date +%s) - start) ))
  [ "$left" -ge 1 ] || break
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} "$bin" -max_total_time="$left" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "${opts[@]}" "$work/corpus" "${seeds[@]}" >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$empty"' INT TERM
  while kill -0 $pid 2>/dev/null; do
    # libFuzzer checks -max_total_time only after loading the corpus, and a late round's load
    # of a large corpus of slow inputs can outlast the time left (measured: a 900 s hunt ran
    # to 927 s): stop it at the budget (SIGINT: libFuzzer prints its final stats).
    # Under ThreadSanitizer a signal waits for the running execution, and an execution of the
    # real-thread backend can take minutes: past budget + 30 s the round is killed (SIGKILL;
    # no final stats, so the hunt reports that it could not finish rather than CLEAN).
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      sleep 1; kill -0 $pid 2>/dev/null || break
      now=$(( $(date +%s) - start ))
      [ $now -ge $(( budget + 1 )) ] && kill -INT $pid 2>/dev/null
      [ $now -ge $(( budget + 30 )) ] && { echo "hunt: round $round did not stop 30 s after its budget; killed" >&2; kill -KILL $pid 2>/dev/null; }
    done
    kill -0 $pid 2>/dev/null || break
    # libFuzzer prints "#N NEW cov: C ... exec/s: E"; in -fork mode "#N: cov: C ... exec/s E".
    last=$(grep -aE '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#([0-9]+):?[[:space:]].*cov: ([0-9]+).*exec\/s:? ([0-9]+).*/#\1 execs, cov \2, \3 exec\/s/')
    echo "hunt: $(( $(date +%s) - start ))/${budget}s round $round ${last:-starting}, known=$known" >&2
  done
  wait $pid
  cp "$log" "$work/fuzz-round$round.log"
  round_execs=$(grep -aE 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  [ -n "$round_execs" ] || round_execs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#:')
  total_execs=$(( total_execs + ${round_execs:-0} ))
  crash=$(ls -t "$work"/artifacts/crash-* "$work"/artifacts/leak-* "$work"/artifacts/timeout-* \
            "$work"/artifacts/oom-* 2>/dev/null | head -1)
  [ -n "$crash" ] || break
  id=$(grep -aoE '==SVAFUZZ== SIGNATURE [0-9a-f]{16}' "$log" | head -1 | awk '{print $3}')
  [ "$stop_on_known" = 0 ] && [ -n "$id" ] && doc=$(is_known "$id") || break
  known=$((known + 1))
  if [ ! -e "$work/known-$id" ]; then
    cp "$crash" "$work/known-$id"
    echo "hunt: known finding $id ($doc) after $(( $(date +%s) - start ))s, kept as $work/known-$id; going on" >&2
  fi
  # An input of the corpus or the seeds that reaches the known finding would end every later
  # round while libFuzzer loads it: take it out (files with the crash's content).
  sum=$(sha1sum <"$crash" | awk '{print $1}')
  for f in "$work"/corpus/* "$work"/seeds/*; do
    [ -f "$f" ] && [ "$(sha1sum <"$f" | awk '{print $1}')" = "$sum" ] && mv "$f" "$work/artifacts/known/"
  done
  mv "$crash" "$work/artifacts/known/"
done
elapsed=$(( $(date +%s) - start ))

if [ -z "$crash" ]; then
  if ! grep -aqE 'Done [0-9]+ runs|stat::number_of_executed_units|INFO: exiting: 0' "$log" && [ "$known" -eq 0 ]; then
    tail -30 "$log" >&2; die "the fuzzer stopped without a finding or a summary (see $log)"
  fi
  echo "CLEAN $design $total_execs execs ${elapsed}s known=$known"
  exit 0
fi

detector() {
  local f=$1 d
  d=$(grep -aoE '==SVAFUZZ== FINDING [a-z0-9-]+' "$f" | head -1 | awk '{print $3}')
  [ -n "$d" ] && { echo "$d"; return; }
  grep -aq 'ERROR: AddressSanitizer' "$f" && { echo asan; return; }
  grep -aq 'WARNING: ThreadSanitizer' "$f" && { echo tsan; return; }
  grep -aq 'LeakSanitizer' "$f" && { echo leak; return; }
  grep -aq 'runtime error:' "$f" && { echo ubsan; return; }
  grep -aq 'ERROR: libFuzzer: timeout' "$f" && { echo timeout; return; }
  echo crash
}

echo "hunt: finding after ${elapsed}s; minimising $crash" >&2
min="$work/reproducer-$design-$(basename "$crash")"
"$bin" -minimize_crash=1 -max_total_time=60 -exact_artifact_path="$min" "$crash" \
  >"$work/minimize.log" 2>&1 || true
[ -s "$min" ] || cp "$crash" "$min"
# Re-run the reproducer alone: the target prints the interleaving and the report.
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} "$bin" "$min" >"$work/report.txt" 2>&1 || true
grep -aq 'FINDING\|Sanitizer\|runtime error' "$work/report.txt" || { min=$crash; "$bin" "$min" >"$work/report.txt" 2>&1 || true; }
# libFuzzer's minimisation keeps "crashes", not "the same bug": a cut can land on another
# finding (a new signature minimised into a known gap). Keep the unminimised input then.
sig_of() { grep -aoE '==SVAFUZZ== SIGNATURE [0-9a-f]{16}' "$1" | head -1 | awk '{print $3}'; }
if [ -n "$id" ] && [ "$min" != "$crash" ] && [ "$(sig_of "$work/report.txt")" != "$id" ]; then
  echo "hunt: the minimised input has another signature than $id; keeping the unminimised one" >&2
  min="$work/reproducer-$design-$(basename "$crash")-unminimised"; cp "$crash" "$min"
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} "$bin" "$min" >"$work/report.txt" 2>&1 || true
fi
echo "===== report and interleaving (re-run of $min) =====" >&2
grep -av '^INFO:\|^Running:\|^Executed ' "$work/report.txt" >&2
echo "===== end of report; replay with: SVAFUZZ_DESIGN=$design SVAFUZZ_KERNEL=$kernel SVAFUZZ_OPS=$ops SVAFUZZ_STORY=1 $bin $min =====" >&2
echo "FOUND $(detector "$work/report.txt") $design ${elapsed}s $min"
exit 1
