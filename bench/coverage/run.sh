#!/usr/bin/env bash
# Line coverage of model files reached by the main job's inputs (prints the figures and the
# commands behind them; not a test).
#
#   bash bench/coverage/run.sh [--runs N] [--seeds A-B] [--design NAME] [--ops SPEC]
#                              [--kernel PROFILE] [--profile free-path|all] [--dir DIR] [FILE ...]
#
# Builds scenario_check with clang's source-based coverage (-fprofile-instr-generate
# -fcoverage-mapping, no sanitizer) into DIR (default build/coverage), runs the same
# corpus-driven campaign as the planted ctests (scenario_check planted --only DESIGN, seeds
# A-B, N runs each, every other run a seed of corpus/deferred_free_sched_fuzzer) under the
# main job's defaults (kernel v6.19-fixed, every op) plus the corpus replay, merges the
# profiles and prints llvm-cov's line and function coverage for FILE ... (default: the files
# of the wider world: DMA draining, SVA lifetimes, process exit, several units, the
# dangling-table check; and of the kernel profiles: huge vmap, CPA, hot-remove, ptdump).
# --ops SPEC (SVAFUZZ_OPS syntax), --kernel and --profile (scenario_check's) change them;
# --profile free-path --ops free-path --kernel v6.19 gives the earlier free-path figures.
# Defaults: --runs 1500 --seeds 1-6 --design mainline --kernel v6.19-fixed --profile all
# --ops all.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=1500; seeds=1-6; design=mainline; dir=build/coverage; files=(); ops=all
kernel=v6.19-fixed; profile=all
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --design) design=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "coverage: unknown flag '$1'" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
[ ${#files[@]} -eq 0 ] && files=(core/iommu/device.cc core/iommu/qi.cc core/iommu/sva.cc
  core/iommu/iommu.cc core/iommu/intel_cache_tag.cc core/mm/mm_exit.cc core/mm/table_refs.cc
  core/free/world.cc core/free/teardown.cc core/scenario/ops.cc
  core/mm/kernel_profile.cc core/mm/huge_vmap.cc core/mm/cpa.cc core/mm/memory_hotplug.cc
  core/mm/ptdump.cc core/mm/pgalloc.cc core/mm/vmalloc.cc core/scenario/signature.cc)
for t in clang-14 clang++-14 llvm-profdata-14 llvm-cov-14; do
  command -v "$t" >/dev/null || { echo "coverage: $t not found (bash ci/deps.sh)" >&2; exit 2; }
done
flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DSVAFUZZ_SANITIZER=none -DSVAFUZZ_FUZZ_ENGINE=none \
  "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" >"$dir.configure.log" 2>&1 \
  || { cat "$dir.configure.log"; exit 2; }
cmake --build "$dir" --target scenario_check deferred_free_sched_fuzzer >"$dir.build.log" 2>&1 \
  || { tail -30 "$dir.build.log"; exit 2; }
prof=$(mktemp -d)
bin="$dir/tests/scenario/scenario_check"
cmd="$bin planted --backend sched --seeds $seeds --runs $runs --corpus corpus/deferred_free_sched_fuzzer --only $design --kernel $kernel --profile $profile --ops $ops"
echo "coverage: $cmd"
LLVM_PROFILE_FILE="$prof/%p.profraw" $cmd >/dev/null 2>&1
replay="$dir/fuzzers/deferred_free_sched_fuzzer corpus/deferred_free_sched_fuzzer/*.txt"
echo "coverage: SVAFUZZ_KERNEL=$kernel SVAFUZZ_OPS=$ops $replay"
SVAFUZZ_KERNEL=$kernel SVAFUZZ_OPS=$ops LLVM_PROFILE_FILE="$prof/%p.profraw" $replay >/dev/null 2>&1
llvm-profdata-14 merge -sparse "$prof"/*.profraw -o "$prof/merged.profdata" || exit 2
echo "coverage: llvm-cov-14 report $bin -instr-profile=merged.profdata ${files[*]}"
llvm-cov-14 report "$bin" -object "$dir/fuzzers/deferred_free_sched_fuzzer" \
  -instr-profile="$prof/merged.profdata" "${files[@]}" | sed 's/^/  /'
echo "coverage: uncovered lines of these files: llvm-cov-14 show $bin -instr-profile=$prof/merged.profdata FILE"
