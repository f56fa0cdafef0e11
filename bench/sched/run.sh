#!/bin/sh
# Prints the scheduler-overhead figures (bench/sched/sched_bench.cc) and the command used.
# Usage: bench/sched/run.sh [build-dir]   (default build/sched-gcc: GCC 12, no sanitizer)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build/sched-gcc}
[ -f "$BUILD/build.ninja" ] || cmake --preset gcc -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target sched_bench >/dev/null
CMD="$BUILD/bench/sched/sched_bench --benchmark_min_time=1 --benchmark_repetitions=1"
echo "command: $CMD"
$CMD
