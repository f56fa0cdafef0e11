#!/usr/bin/env bash
# Per-execution cost breakdown of a scenario fuzz target (prints figures and the command behind
# them; a measurement, not a test). The target runs under its real engine (fuzz preset:
# libFuzzer + ASan + UBSan) from the seed corpus at the main job's defaults (design mainline,
# kernel v6.19-fixed, ops all, interleaving signal on), one core, with SVAFUZZ_COST=1: every
# execution's phases are timed (core/scenario/exec_cost.h) and the table is printed at exit:
#   setup (boot, world) / run (agents) / checks / teardown / outside execute() (the engine),
#   ns per execution and share; points, picks and switches per execution.
# With --perf, a second run under `perf record` splits the whole process by where the cycles
# go: the pick, point bookkeeping, fiber switches, ASan's allocator and poisoning, the
# interleaving fold, the engine, the model.
#
#   bash bench/fuzz/cost.sh [--target NAME] [--time SECONDS] [--design NAME] [--ops SET]
#                           [--kernel PROFILE] [--fuzz-dir DIR] [--skip-build] [--perf]
#                           [--preset fuzz|fuzz-tsan]
#   defaults: deferred_free_sched_fuzzer, 30 s, mainline, all, v6.19-fixed, build/fuzz
# The threads target: --target deferred_free_threads_fuzzer --preset fuzz-tsan (its "run"
# phase is real threads: no picks or switches are counted).
set -uo pipefail
cd "$(dirname "$0")/../.."
target=deferred_free_sched_fuzzer; secs=30; design=mainline; ops=all; kernel=v6.19-fixed
fuzz_dir=""; build=1; perf=0; preset=fuzz
die() { echo "cost.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target=${2:-}; shift 2 ;;
    --time) secs=${2:-}; shift 2 ;;
    --design) design=${2:-}; shift 2 ;;
    --ops) ops=${2:-}; shift 2 ;;
    --kernel) kernel=${2:-}; shift 2 ;;
    --fuzz-dir) fuzz_dir=${2:-}; shift 2 ;;
    --preset) preset=${2:-}; shift 2 ;;
    --skip-build) build=0; shift ;;
    --perf) perf=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || die "--time needs a positive number of seconds"
case "$preset" in fuzz|fuzz-tsan) ;; *) die "--preset is fuzz or fuzz-tsan" ;; esac
[ -n "$fuzz_dir" ] || fuzz_dir=build/$preset
[ -d "corpus/$target" ] || die "no seed corpus corpus/$target (is '$target' a scenario fuzz target?)"
if [ $build = 1 ]; then
  { cmake --preset "$preset" -B "$fuzz_dir" >/dev/null && cmake --build "$fuzz_dir" --target "$target" >/dev/null; } ||
    die "build of $target ($preset preset) failed"
fi
bin=$fuzz_dir/fuzzers/$target
[ -x "$bin" ] || die "$bin is not built (run without --skip-build)"
[ $perf = 0 ] || command -v perf >/dev/null || die "--perf needs perf (apt-get install linux-perf)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Seeds: the top-level corpus files (regressions/ holds reproducers, which crash by design).
mkdir -p "$tmp/seeds" "$tmp/c"
find "corpus/$target" -maxdepth 1 -type f -exec cp {} "$tmp/seeds/" \;
env_line="SVAFUZZ_COST=1 SVAFUZZ_DESIGN=$design SVAFUZZ_OPS=$ops SVAFUZZ_KERNEL=$kernel"
[ "$preset" = fuzz-tsan ] && env_line="$env_line TSAN_OPTIONS=halt_on_error=1"
cmd="$bin -max_total_time=$secs -print_final_stats=1 $tmp/c $tmp/seeds"
echo "command: $env_line $cmd"
env $env_line $cmd >"$tmp/run.log" 2>&1
rc=$?
[ $rc = 0 ] || { tail -30 "$tmp/run.log" >&2; die "the run ended with status $rc (a finding or a harness failure; log above)"; }
execs=$(grep -a 'stat::number_of_executed_units' "$tmp/run.log" | awk '{print $2}')
echo "$target: ${execs:-0} executions in ${secs}s: $(( ${execs:-0} / secs )) exec/s (libFuzzer's count)"
sed -n '/^svafuzz cost:/,$p' "$tmp/run.log" | grep -av '^stat::\|^svafuzz: .*cut off' || die "no cost table in the log (SVAFUZZ_COST unsupported by $target?)"

[ $perf = 1 ] || exit 0
echo
echo "== perf: where the cycles go (perf record -F 2000, ${secs}s, same command)"
rm -rf "$tmp/c"; mkdir -p "$tmp/c"
env $env_line perf record -q -F 2000 -o "$tmp/perf.data" $cmd >"$tmp/perf-run.log" 2>&1 ||
  die "perf record failed: $(tail -3 "$tmp/perf-run.log")"
perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
  python3 bench/fuzz/perf_groups.py
