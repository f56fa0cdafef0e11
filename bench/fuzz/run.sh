#!/usr/bin/env bash
# Fuzzing benchmark (prints figures and the command behind each; not a timed test).
#
#   bash bench/fuzz/run.sh [--designs "a b c"] [--seeds N] [--time SECONDS] [--exec-time SECONDS]
#                          [--fuzz-dir DIR] [--gcc-dir DIR] [--skip-build] [--jobs N]
#                          [--interleave both|on|off] [--skip-baseline]
#   --exec-time 0 skips the exec/s figures.
#
#   1. exec/s of each scenario fuzz target (libFuzzer, fuzz preset, seed corpus, one core);
#   2. time to find each planted bug with deferred_free_sched_fuzzer: median and maximum over
#      campaigns with -seed=1..N on an EMPTY corpus, one core (-jobs=1), each capped at
#      --time seconds (a capped campaign counts as "not found" and as the cap in the maximum),
#      with the interleaving signal on and off (SVAFUZZ_INTERLEAVE=0);
#   3. the baseline: the same bugs under a plain random real-thread stress run
#      (scenario_check campaign --backend threads: random scenarios, the OS schedules), same
#      seeds and cap, built in the gcc preset (no sanitizer: the frame-check detector).
# Campaigns run with SVAFUZZ_OPS=free-path (the documented v6.19 gaps, which fire on every
# design, are left out, so a crash is the design's own bug). --jobs N runs N campaigns at once,
# each still on one core (use N <= cores). --interleave picks which arms of the signal A/B run.
# Defaults: the planted designs plus sync and seed-v3 (not sync-invalidate: a comparison design), 10 seeds, 120 s cap, 20 s per exec/s figure, 1 job, both arms.
set -uo pipefail
cd "$(dirname "$0")/../.."
designs="free-then-flush sync seed-v3 unlocked-list-add lost-wakeup lost-wakeup-flag double-enqueue sleep-under-lock"
seeds=10; cap=120; exec_time=20; fuzz_dir=build/fuzz; gcc_dir=build/gcc; build=1; jobs=1; arms="1 0"; baseline=1
while [ $# -gt 0 ]; do
  case "$1" in
    --designs) designs=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --time) cap=$2; shift 2 ;;
    --exec-time) exec_time=$2; shift 2 ;;
    --fuzz-dir) fuzz_dir=$2; shift 2 ;;
    --gcc-dir) gcc_dir=$2; shift 2 ;;
    --skip-build) build=0; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    --skip-baseline) baseline=0; shift ;;
    --interleave) case "$2" in both) arms="1 0" ;; on) arms=1 ;; off) arms=0 ;;
                  *) echo "run.sh: --interleave is both, on or off" >&2; exit 2 ;; esac; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ $build = 1 ]; then
  cmake --preset fuzz -B "$fuzz_dir" >/dev/null && cmake --build "$fuzz_dir" --target \
    deferred_free_sched_fuzzer deferred_free_threads_fuzzer scenario_decoder_fuzzer >/dev/null || exit 2
  cmake --preset gcc -B "$gcc_dir" >/dev/null && cmake --build "$gcc_dir" --target scenario_check >/dev/null || exit 2
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# median and max of the numbers on stdin ("-" = not found within the cap: counts as the cap)
stats() { awk -v cap="$cap" '{ print ($1 == "-") ? cap " miss" : $1 " hit" }' | sort -n |
  awk '{ a[n++] = $1; if ($2 == "miss") miss++ }
  END { if (n == 0) { printf "no campaigns"; exit }
        m = (n % 2) ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
        printf "median %.1fs max %.1fs (found %d/%d)", m, a[n - 1], n - miss, n }'; }

[ "$exec_time" -gt 0 ] && echo "== exec/s (libFuzzer, seed corpus, ${exec_time}s each, one core)"
for t in deferred_free_sched deferred_free_threads scenario_decoder; do
  [ "$exec_time" -gt 0 ] || break
  bin=$fuzz_dir/fuzzers/${t}_fuzzer; mkdir -p "$tmp/c-$t"
  [ -x "$bin" ] || { echo "$t: not built ($bin; run without --skip-build)"; continue; }
  # Seeds: top-level corpus files only (regressions/ holds reproducers, and the gap ones crash
  # at once under ops=all); the scenario targets run design mainline with ops free-path.
  mkdir -p "$tmp/s-$t"; find "corpus/${t}_fuzzer" -maxdepth 1 -type f -exec cp {} "$tmp/s-$t/" \;
  cmd="$bin -max_total_time=$exec_time -print_final_stats=1 $tmp/c-$t $tmp/s-$t"
  SVAFUZZ_OPS=free-path $cmd >"$tmp/$t.log" 2>&1
  execs=$(grep -a 'stat::number_of_executed_units' "$tmp/$t.log" | awk '{print $2}')
  echo "$t: $(( ${execs:-0} / exec_time )) exec/s   [SVAFUZZ_OPS=free-path $cmd]"
done

time_to_crash() {   # design seed interleave -> seconds or "-"
  # One `local` per variable: the words of a single `local` are expanded before any of its
  # assignments, so dir=...$d... in the same statement would see an empty $d (every campaign
  # then shared one corpus and replayed the first campaign's crash).
  local d=$1 s=$2 il=$3
  local dir=$tmp/e-$d-$s-$il
  mkdir -p "$dir/corpus" "$dir/art"
  local start end
  start=$(date +%s.%N)
  SVAFUZZ_DESIGN=$d SVAFUZZ_OPS=free-path SVAFUZZ_INTERLEAVE=$il timeout $((cap + 30)) "$fuzz_dir/fuzzers/deferred_free_sched_fuzzer" \
    -seed=$s -max_total_time=$cap -artifact_prefix="$dir/art/" "$dir/corpus" >"$dir.log" 2>&1
  end=$(date +%s.%N)
  if ls "$dir"/art/crash-* >/dev/null 2>&1; then echo "$end - $start" | bc; else echo "-"; fi
}

echo "== time to find each planted bug (deferred_free_sched_fuzzer, empty corpus, seeds 1-$seeds, cap ${cap}s)"
echo "   command: SVAFUZZ_DESIGN=<d> SVAFUZZ_OPS=free-path SVAFUZZ_INTERLEAVE=<1|0> $fuzz_dir/fuzzers/deferred_free_sched_fuzzer -seed=<s> -max_total_time=$cap <empty dir>"
export -f time_to_crash; export tmp cap fuzz_dir
for d in $designs; do
  line="$d:"
  for il in $arms; do
    seq 1 "$seeds" | xargs -P "$jobs" -I{} bash -c 'time_to_crash "$0" {} "$1"' "$d" "$il" > "$tmp/t-$d-$il"
    line="$line interleaving $([ "$il" = 1 ] && echo on || echo off): $(stats < "$tmp/t-$d-$il");"
  done
  echo "$line"
done

[ "$baseline" = 1 ] || exit 0
echo "== baseline: random real-thread stress (gcc preset, frame-check detector), seeds 1-$seeds, cap ${cap}s"
echo "   command: $gcc_dir/tests/scenario/scenario_check campaign --backend threads --profile free-path --design <d> --seed <s> --runs 100000000 --time $cap --quiet"
baseline() {   # design seed -> seconds or "-"
  local out
  out=$(timeout $((cap + 30)) "$gcc_dir/tests/scenario/scenario_check" campaign --backend threads --profile free-path \
      --design "$1" --seed "$2" --runs 100000000 --time "$cap" --quiet 2>/dev/null | tail -1)
  case "$out" in found*) echo "$out" | sed -E 's/.* ([0-9.]+)s .*/\1/' ;; *) echo "-" ;; esac
}
export -f baseline; export gcc_dir
for d in $designs; do
  seq 1 "$seeds" | xargs -P "$jobs" -I{} bash -c 'baseline "$0" {}' "$d" > "$tmp/b-$d"
  echo "$d: stress: $(stats < "$tmp/b-$d")"
done
