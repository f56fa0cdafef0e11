#!/usr/bin/env bash
# Engines benchmark (prints figures and the command behind each; not a timed test): time to find
# planted bugs with deferred_free_sched_fuzzer under three engines, from the seed corpus.
#
#   bash bench/fuzz/engines.sh [--designs "a b c"] [--seeds N] [--time SECONDS] [--jobs N]
#                              [--work DIR] [--skip-build] [--help]
#
#   arms, each a campaign per design and seed 1..N, one core, capped at --time seconds (a
#   capped campaign counts as "not found"; a median or maximum that includes one prints ">cap"):
#     libfuzzer   libFuzzer (fuzz preset), its structure-aware custom mutator, -seed=S
#     afl         AFL++ (afl-clang-fast, libAFLDriver, ASan; the build ci/fuzz-build.sh makes for
#                 FUZZING_ENGINE=afl), its own byte mutators only, -s S
#     afl+mutator the same AFL++ build with AFL_CUSTOM_MUTATOR_LIBRARY=svafuzz_afl_mutator.so
#                 (the same structure-aware mutator, fuzzers/afl_mutator), -s S
#   Every campaign starts from corpus/deferred_free_sched_fuzzer/'s top-level seeds with
#   SVAFUZZ_OPS=free-path (the v6.19 gaps left out, so a crash is the design's bug) and stops
#   at its first crash (AFL_BENCH_UNTIL_CRASH=1 for AFL++).
# Defaults: designs "seed-v3 free-then-flush unlocked-list-add", 10 seeds, 300 s cap, 1 job.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
designs="seed-v3 free-then-flush unlocked-list-add"; seeds=10; cap=300; jobs=1; work=out/bench-engines; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --designs) designs=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --time) cap=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --skip-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "engines.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$seeds" "$cap" "$jobs"; do [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "engines.sh: '$v' is not a positive number" >&2; exit 2; }; done
mkdir -p "$work"; work=$(cd "$work" && pwd)
lf=$root/build/fuzz/fuzzers/deferred_free_sched_fuzzer
afl=$work/afl-out/deferred_free_sched_fuzzer
mut=$work/afl-out/svafuzz_afl_mutator.so
if [ $build = 1 ]; then
  bash ci/deps.sh afl++ libc++-14-dev libc++abi-14-dev python3 >&2 || exit 2
  cmake --preset fuzz >/dev/null && cmake --build build/fuzz --target deferred_free_sched_fuzzer >/dev/null || exit 2
  flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
  flags="$flags -fsanitize=address -fsanitize-address-use-after-scope"
  env CC=afl-clang-fast CXX=afl-clang-fast++ AFL_CC=clang-14 AFL_CXX=clang++-14 AFL_QUIET=1 \
      CFLAGS="$flags" CXXFLAGS="$flags -stdlib=libc++" LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a \
      SANITIZER=address FUZZING_ENGINE=afl SRC=/nonexistent WORK="$work/afl-work" OUT="$work/afl-out" \
      bash ci/fuzz-build.sh >"$work/afl-build.log" 2>&1 || { tail -20 "$work/afl-build.log" >&2; exit 2; }
fi
for b in "$lf" "$afl" "$mut"; do [ -e "$b" ] || { echo "engines.sh: $b not built (run without --skip-build)" >&2; exit 2; }; done
seeddir=$work/seeds; rm -rf "$seeddir"; mkdir -p "$seeddir"
find corpus/deferred_free_sched_fuzzer -maxdepth 1 -type f -exec cp {} "$seeddir/" \;

# One campaign: prints "<arm> <design> <seed> <seconds or ->".
campaign() {
  local arm=$1 design=$2 seed=$3 d t0 t1 found=-
  d=$(mktemp -d "$work/run-XXXXXX")
  t0=$(date +%s.%N)
  case "$arm" in
    libfuzzer)
      mkdir -p "$d/corpus"
      SVAFUZZ_DESIGN=$design SVAFUZZ_OPS=free-path "$lf" -seed="$seed" -max_total_time="$cap" \
        -artifact_prefix="$d/" "$d/corpus" "$seeddir" >"$d/log" 2>&1
      ls "$d"/crash-* >/dev/null 2>&1 && found=yes ;;
    afl|afl+mutator)
      local extra=()
      [ "$arm" = afl+mutator ] && extra=(AFL_CUSTOM_MUTATOR_LIBRARY="$mut")
      env SVAFUZZ_DESIGN="$design" SVAFUZZ_OPS=free-path AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 \
        AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 "${extra[@]}" \
        timeout -s INT $((cap + 30)) afl-fuzz -i "$seeddir" -o "$d/out" -s "$seed" -m none -t 25000 \
        -V "$cap" -- "$afl" >"$d/log" 2>&1
      ls "$d"/out/default/crashes/id:* >/dev/null 2>&1 && found=yes ;;
  esac
  t1=$(date +%s.%N)
  [ $found = yes ] && found=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "$arm $design $seed $found"
  rm -rf "$d"
}
export -f campaign; export lf afl mut cap work seeddir

echo "== time to find, from the seed corpus, one core per campaign, cap ${cap}s, seeds 1..$seeds"
echo "   command: bash bench/fuzz/engines.sh --designs \"$designs\" --seeds $seeds --time $cap --jobs $jobs"
for design in $designs; do for arm in libfuzzer afl afl+mutator; do for s in $(seq 1 "$seeds"); do
  echo "$arm $design $s"
done; done; done | xargs -P "$jobs" -L 1 bash -c 'campaign "$0" "$1" "$2"' >"$work/results.txt"

# median and max per (design, arm); "-" counts as the cap.
sort "$work/results.txt" | awk -v cap="$cap" '
  { k = $2 " " $1; v = ($4 == "-") ? cap : $4; vals[k] = vals[k] " " v; n[k]++; if ($4 != "-") hit[k]++ }
  END { for (k in vals) print k, n[k], hit[k] + 0, vals[k] }' | sort | while read -r design arm n hit rest; do
  printf '%s\n' $rest | sort -n | awk -v d="$design" -v a="$arm" -v n="$n" -v h="$hit" -v cap="$cap" '
    { x[c++] = $1 } END { m = (c % 2) ? x[(c - 1) / 2] : (x[c / 2 - 1] + x[c / 2]) / 2;
      med = (h <= int(n / 2)) ? sprintf(">%ds", cap) : sprintf("%.1fs", m);
      mx = (h < n) ? sprintf(">%ds", cap) : sprintf("%.1fs", x[c - 1]);
      printf "%-18s %-12s median %7s  max %7s  found %d/%d\n", d, a, med, mx, h, n }'
done
echo "raw results: $work/results.txt"
