#!/usr/bin/env bash
# The OSS-Fuzz / ClusterFuzzLite contract, checked on this machine (no Docker here): runs the
# project's build script in a clean $OUT with the environment OSS-Fuzz sets for each build, then
# checks every target the way OSS-Fuzz's base-runner does before it accepts a build.
#
#   bash ci/oss-fuzz/check.sh [--builds LIST] [--work DIR] [--help]
#
#   --builds LIST  comma list of: address, undefined, coverage (libFuzzer), afl (AFL++ with
#                  address); default all four
#   --work DIR     where $SRC, $WORK and each build's $OUT go (default: out/oss-fuzz-check);
#                  emptied first
#
# Checks (ci/oss-fuzz/check.py; docs/continuous-fuzzing.md):
#   files     project.yaml and .clusterfuzzlite/project.yaml parse; the Dockerfiles COPY only
#             files that exist; build.sh fails with a clear message when a variable is missing
#   per target and build:
#   edges     at least 100 instrumented edges (libFuzzer's "Loaded ... counters", afl-showmap's
#             tuples, llvm-cov's regions for the coverage build)
#   runs      -runs=4 -seed=1337 ends "Done 4 runs" with no crash (coverage: one input runs, as
#             the coverage job runs them; AFL++: 20 s of afl-fuzz
#             reach "All set and ready to roll" and no crash)
#   seeds     the seed corpus replays with no crash, each input within -timeout=25 and
#             -rss_limit_mb=2560
#   runtime   only its own sanitizer's runtime (call counts into __asan/__ubsan/__msan/__tsan, as
#             base-runner counts them), and no shared library outside glibc
#   sandbox   no child process, and nothing opened for writing outside /tmp (strace)
#   options   <target>.options parses and names files that exist; <target>.dict parses
# Prints a table (target x build x check) and ends "oss-fuzz check: N passed, N failed".
# Exit status: 0 all passed; 1 a check failed (a build that fails is one); 2 the check itself
# could not run (bad flag, missing dependency).
set -uo pipefail
cd "$(dirname "$0")/../.."
usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "check.sh: $*" >&2; exit 2; }

builds=address,undefined,coverage,afl; work=out/oss-fuzz-check
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --builds) [ $# -ge 2 ] || die "--builds needs a value"; builds=$2; shift 2 ;;
    --work) [ $# -ge 2 ] || die "--work needs a value"; work=$2; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for b in ${builds//,/ }; do
  case "$b" in address|undefined|coverage|afl) ;; *) die "unknown build '$b' (address, undefined, coverage, afl)" ;; esac
done

extra=(libc++-14-dev libc++abi-14-dev python3 python3-yaml strace binutils file)
[[ ",$builds," == *",afl,"* ]] && extra+=(afl++)
bash ci/deps.sh "${extra[@]}" >&2 || die "dependency installation failed"
exec python3 ci/oss-fuzz/check.py --builds "$builds" --work "$work"
