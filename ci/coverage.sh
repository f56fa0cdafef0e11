#!/usr/bin/env bash
# Source-based coverage of the corpus: builds the fuzz targets with the flags of OSS-Fuzz's
# coverage build (through ci/fuzz-build.sh), replays corpus/<target>/ (seeds and regressions)
# under each target's defaults, and writes an llvm-cov HTML report.
#
#   bash ci/coverage.sh [--out DIR] [--help] [TARGET...]     (default: every fuzz target)
#
# Output (DIR defaults to out/coverage):
#   DIR/html/index.html   llvm-cov's report over every replayed target
#   stdout                a line/function summary per source directory, then the kernel free
#                         call sites (pagetable_free, pagetable_free_kernel, free_page calls in
#                         core/) and the scenario ops (core/scenario/ops.cc) the corpus never
#                         reaches; the last line is "coverage: L% lines, F% functions"
# Exit status: 0 the report was written; 2 bad usage or a failed build.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "coverage.sh: $*" >&2; exit 2; }
out=out/coverage; targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
    -*) die "unknown flag '$1' (see --help)" ;;
    *) [ -f "fuzzers/${1%_fuzzer}/$1.cc" ] || die "unknown target '$1'"; targets+=("$1"); shift ;;
  esac
done
bash ci/deps.sh python3 >&2 || die "dependency installation failed"
mkdir -p "$out"; out=$(cd "$out" && pwd)
rm -rf "$out/bin" "$out/prof" "$out/html"; mkdir -p "$out/bin" "$out/work" "$out/prof"

# OSS-Fuzz's coverage build: no sanitizer, profile instrumentation, libFuzzer as the driver.
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
flags="$flags -fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm"
flags="$flags -Wno-unused-command-line-argument"
echo "coverage: building (log $out/build.log)" >&2
env CC=clang-14 CXX=clang++-14 CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
    SANITIZER=coverage FUZZING_ENGINE=libfuzzer SRC=/nonexistent WORK="$out/work" OUT="$out/bin" \
    bash ci/fuzz-build.sh >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; die "build failed"; }
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$out/bin" && ls | grep '_fuzzer$'))

objects=()
for t in "${targets[@]}"; do
  dirs=()
  [ -d "corpus/$t" ] && dirs+=("corpus/$t")
  [ -d "corpus/$t/regressions" ] && dirs+=("corpus/$t/regressions")
  [ ${#dirs[@]} -gt 0 ] || { echo "coverage: $t has no corpus, skipped" >&2; continue; }
  n=$(find "${dirs[@]}" -maxdepth 1 -type f | wc -l)
  echo "coverage: replaying $n inputs on $t" >&2
  LLVM_PROFILE_FILE="$out/prof/$t-%p.profraw" "$out/bin/$t" -runs=0 "${dirs[@]}" >"$out/prof/$t.log" 2>&1 \
    || echo "coverage: $t exited non-zero on its corpus (see $out/prof/$t.log)" >&2
  objects+=("$out/bin/$t")
done
[ ${#objects[@]} -gt 0 ] || die "no target replayed"
llvm-profdata-14 merge -sparse -o "$out/prof/merged.profdata" "$out"/prof/*.profraw || die "llvm-profdata merge failed"
args=("${objects[0]}"); for o in "${objects[@]:1}"; do args+=(-object "$o"); done
ignore='(/usr/|_googletest|/build/|/out/)'
llvm-cov-14 show "${args[@]}" -instr-profile="$out/prof/merged.profdata" -format=html \
  -output-dir="$out/html" -ignore-filename-regex="$ignore" -show-line-counts-or-regions >/dev/null \
  || die "llvm-cov show failed"
llvm-cov-14 export "${args[@]}" -instr-profile="$out/prof/merged.profdata" -summary-only \
  -ignore-filename-regex="$ignore" >"$out/summary.json" || die "llvm-cov export failed"
llvm-cov-14 show "${args[@]}" -instr-profile="$out/prof/merged.profdata" -format=text \
  -ignore-filename-regex="$ignore" >"$out/lines.txt" || die "llvm-cov show (text) failed"
python3 ci/coverage_summary.py --root "$root" --summary "$out/summary.json" --lines "$out/lines.txt"
echo "coverage: report $out/html/index.html" >&2
