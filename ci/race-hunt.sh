#!/usr/bin/env bash
# The race-hunting job: hunts the free-path designs and plug-ins a change touches, with every
# checker that earns its time, and fails only on a new finding. Runs the same locally and in CI.
#
#   bash ci/race-hunt.sh [--changed-since REF] [--design NAME]... [--plugin FILE]...
#                        [--budget SECONDS] [--min-per-design SECONDS] [--kernel PROFILE]
#                        [--no-tsan] [--all-arms] [--pct-runs N] [--out DIR] [--help]
#
#   --changed-since REF  hunt what HEAD and the work tree change since their merge base with
#                        REF (git diff --no-renames, untracked files too):
#                        core/free/designs/X.cc -> design X; plugins/F.c -> plug-in F (a patch
#                        under test); any other file of the model or the harness (core/,
#                        fuzzers/, corpus/, cmake/, litmus/, tools/, CMakeLists.txt,
#                        CMakePresets.json, ci/hunt.sh, ci/race-hunt.sh, ci/race_report.py,
#                        ci/litmus.sh, ci/deps.sh) -> every shipped design and every plug-in;
#                        docs, tests and the rest -> nothing (the regression guard still runs)
#   --design NAME        hunt this shipped design (repeatable)
#   --plugin FILE        hunt this plug-in, one file against the plug-in API (repeatable)
#   --budget SECONDS     total fuzzing time, split evenly across the designs (default 600)
#   --min-per-design S   the least any design gets, even past the budget (default 60, >= 3)
#   --kernel PROFILE     simulated kernel (default v6.19-fixed; `svafuzz kernels`)
#   --no-tsan            leave out the TSan real-thread arm
#   --all-arms           run every arm on a planted design even after one has found it
#   --pct-runs N         PCT executions per shape and depth (default 20000, ~4 s a design)
#   --out DIR            results directory (default out/race-hunt), emptied first (refused if
#                        it holds anything but an earlier result)
#   With neither a list nor --changed-since: every shipped design and plug-in.
#
# Steps: (1) the regression guard: corpus/deferred_free_sched_fuzzer/regressions/ replayed by
# scenario_check (each reproducer fires on its design, the clean designs stay clean); (2) per
# design, the systematic arms: litmus (every litmus shape under bounded exhaustive search,
# gcc preset, ci/litmus.sh --design) and pct-d2, pct-d3 (every shape under PCT with the IOMMU
# as its own agent, svafuzz designs --strategy pct; outside --budget, seconds a design), then
# the fuzzing arms: asan (deferred_free_sched_fuzzer, controlled scheduler, ASan+UBSan,
# ci/hunt.sh, 2/3 of the design's time) and tsan (deferred_free_threads_fuzzer, real threads,
# fuzz-tsan preset with TSAN_OPTIONS=halt_on_error=1, 1/3).
#
# Verdicts (ci/race_report.py): a shipped design is judged by its expectation (`svafuzz
# designs`): a clean one must give no finding; a planted one must be found (by any arm; its
# other arms are then skipped unless --all-arms), and is then "expected", else "missed". A
# plug-in named with --plugin or touched by the diff is a patch under test: any finding is
# new. A plug-in selected because the model changed keeps its declared expectation (a line
# "svafuzz-expect: flagged" in the file). The fuzzing arms' findings whose signature
# corpus/known-findings lists are counted as known and pass.
#
# Writes DIR/summary.json, DIR/race-hunt.sarif (SARIF 2.1.0, one result per new finding, at the
# design's source line of the free or the faulting access), and per design DIR/<design>/ with
# each arm's log, reproducer, report and interleaving. Last line:
#   race-hunt: N designs, N new findings, N known        (N known: distinct known signatures)
# Exit status: 0 the regression guard passed, no new finding, every planted design found; 1
# otherwise; 2 the job could not run (bad flag, unknown design, failed build, an arm that
# could not run).
set -uo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "race-hunt.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$caller/$1" ;; esac; }   # against the caller's cwd

since=""; designs=(); plugins=(); budget=600; min_per=60; kernel=v6.19-fixed; tsan=1; all_arms=0; out=out/race-hunt; pct_runs=20000
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --changed-since) need_value "$@"; since=$2; shift 2 ;;
    --design) need_value "$@"; designs+=("$2"); shift 2 ;;
    --plugin) need_value "$@"; f=$(abspath "$2"); [ -f "$f" ] || die "--plugin: no such file '$2'"
              plugins+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); shift 2 ;;
    --budget) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--budget takes a positive whole number of seconds, not '$2'"; budget=$2; shift 2 ;;
    --min-per-design) need_value "$@"; is_uint "$2" && [ "$2" -ge 3 ] || die "--min-per-design takes a whole number of seconds >= 3, not '$2'"; min_per=$2; shift 2 ;;
    --kernel) need_value "$@"; kernel=$2; shift 2 ;;
    --no-tsan) tsan=0; shift ;;
    --all-arms) all_arms=1; shift ;;
    --pct-runs) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--pct-runs takes a positive whole number, not '$2'"; pct_runs=$2; shift 2 ;;
    --out) need_value "$@"; out=$(abspath "$2"); shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -d fuzzers ] && [ -f ci/hunt.sh ] || die "run from a svafuzz checkout"
case "$out" in /*) ;; *) out=$root/$out ;; esac
# --out is emptied: refuse a directory that holds anything but results.
mkdir -p "$out" && out=$(cd "$out" && pwd) || die "cannot create --out '$out'"
case "$root/" in "$out"/*) die "--out '$out' contains the checkout; choose a results directory" ;; esac
[ -e "$out/.git" ] && die "--out '$out' is a git checkout; choose a results directory"
[ -z "$(ls -A "$out")" ] || [ -f "$out/records.tsv" ] || die "--out '$out' is not empty and not an earlier race-hunt result; choose another"

bash ci/deps.sh >&2 || die "dependency installation failed"
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p build
build() {  # dir preset target... (extra cmake -D flags in $cfg)
  local dir=$1 preset=$2 log; shift 2
  log="$root/build/race-hunt-$(basename "$dir").log"
  { cmake --preset "$preset" -B "$dir" ${cfg:+"$cfg"} && cmake --build "$dir" -j "$jobs" --target "$@"; } >"$log" 2>&1 ||
    { tail -40 "$log" >&2; die "build of $* in $dir failed (log $log)"; }
}
echo "race-hunt: building svafuzz and scenario_check (gcc preset, build/gcc)" >&2
cfg="" build build/gcc gcc svafuzz scenario_check
svafuzz=$root/build/gcc/tools/svafuzz/svafuzz
"$svafuzz" designs --kernel "$kernel" >/dev/null 2>&1 || die "unknown kernel profile '$kernel' (svafuzz kernels lists them)"

# The catalogue: shipped designs with their expectation ("clean" or "flagged"). Plug-ins that
# every build compiles in (plugins/seed_v3_hunk.c) are hunted by name, with no build of their own.
declare -A expect=() builtin_plugin=()
while read -r name exp _; do
  [ "$name" = design ] && continue
  [ "$exp" = plug-in ] && { builtin_plugin[$name]=1; continue; }
  expect[$name]=$exp
done < <("$svafuzz" designs)
design_of_plugin() { local b; b=$(basename "$1"); b=${b%%.*}; echo "${b//_/-}"; }
plugin_expect() { grep -qE 'svafuzz-expect:[[:space:]]*flagged' "$1" && echo flagged || echo clean; }

# Selection: unit lines "kind name file expectation build-file": file is the source as SARIF
# names it (relative to the checkout when inside it); build-file is the plug-in to compile in,
# or - (a shipped design, or a plug-in every build has).
units=()
add_plugin() {  # absolute-file mode(test|catalogue)
  local name e=clean rel=$1 bf=$1
  name=$(design_of_plugin "$1")
  case "$1" in "$root"/*) rel=${1#"$root"/} ;; esac
  [ "$1" = "$root/plugins/${name//-/_}.c" ] && [ -n "${builtin_plugin[$name]:-}" ] && bf=-
  [ "$2" = catalogue ] && e=$(plugin_expect "$1")
  units+=("plugin $name $rel $e $bf")
}
add_design() {  # name
  if [ -n "${builtin_plugin[$1]:-}" ] && [ -f "$root/plugins/${1//-/_}.c" ]; then add_plugin "$root/plugins/${1//-/_}.c" test; return; fi
  [ -n "${expect[$1]:-}" ] || die "unknown design '$1' (known: $(printf '%s\n' "${!expect[@]}" "${!builtin_plugin[@]}" | sort | tr '\n' ' '))"
  units+=("design $1 core/free/designs/${1//-/_}.cc ${expect[$1]} -")
}
catalogue() {
  local d p
  for d in $(printf '%s\n' "${!expect[@]}" | sort); do add_design "$d"; done
  for p in "$root"/plugins/*.c; do [ -f "$p" ] && add_plugin "$p" catalogue; done
}
if [ -n "$since" ]; then
  git rev-parse --verify -q "$since^{commit}" >/dev/null || die "--changed-since: '$since' is not a commit"
  # The change is what HEAD (and the work tree) adds since it forked from REF; a rename counts
  # as a deletion and an addition, so both paths are seen.
  base=$(git merge-base "$since" HEAD) || die "--changed-since: '$since' shares no history with HEAD"
  changed=$(git diff --name-only --no-renames "$base" --; git ls-files --others --exclude-standard)
  everything=0; declare -A picked=()
  while IFS= read -r f; do
    case "$f" in
      core/free/designs/*/*|plugins/*/*) everything=1 ;;   # not a design file: a helper of them
      core/free/designs/*.cc|core/free/designs/*.h)
        d=$(basename "$f"); d=${d%.*}; d=${d//_/-}
        if [ -n "${expect[$d]:-}" ] && [ -f "$f" ]; then picked["design $d"]=1; else everything=1; fi ;;
      plugins/*.c) [ -f "$f" ] && picked["plugin $root/$f"]=1 ;;
      core/*|fuzzers/*|corpus/*|cmake/*|litmus/*|tools/*|CMakeLists.txt|CMakePresets.json|ci/hunt.sh|ci/race-hunt.sh|ci/race_report.py|ci/litmus.sh|ci/deps.sh) everything=1 ;;
    esac
  done <<<"$changed"
  echo "race-hunt: $(echo "$changed" | grep -c .) file(s) changed since $since (merge base ${base:0:12})" >&2
  [ $everything = 1 ] && catalogue
  for k in "${!picked[@]}"; do
    read -r kind what <<<"$k"
    if [ "$kind" = design ]; then add_design "$what"; else add_plugin "$what" test; fi
  done
fi
for d in ${designs[@]+"${designs[@]}"}; do add_design "$d"; done
for p in ${plugins[@]+"${plugins[@]}"}; do add_plugin "$p" test; done
[ -z "$since" ] && [ ${#designs[@]} -eq 0 ] && [ ${#plugins[@]} -eq 0 ] && catalogue
# One entry per name; a later entry (a touched or named plug-in, judged as a patch) wins over
# the catalogue's.
mapfile -t units < <(printf '%s\n' ${units[@]+"${units[@]}"} | awk 'NF { last[$2] = $0; if (!seen[$2]++) order[++n] = $2 }
  END { for (i = 1; i <= n; i++) print last[order[i]] }')

rm -rf "${out:?}"/*; mkdir -p "$out"
records="$out/records.tsv"; : >"$records"
n=${#units[@]}
per=$min_per
[ "$n" -gt 0 ] && [ $((budget / n)) -gt "$per" ] && per=$((budget / n))
[ "$n" -gt 0 ] && [ $((per * n)) -gt "$budget" ] && echo "race-hunt: $n designs x ${min_per}s minimum exceeds the ${budget}s budget; each gets ${per}s" >&2
if [ "$n" -eq 0 ]; then
  echo "race-hunt: the change touches no design, plug-in or model file: only the regression guard runs" >&2
else
  echo "race-hunt: ${n} design(s), ${per}s each, kernel $kernel: $(printf '%s\n' ${units[@]+"${units[@]}"} | awk '{printf "%s%s(%s)", sep, $2, $4; sep=" "}')" >&2
fi

# (1) The regression guard.
start=$(date +%s)
echo "race-hunt: regression guard (scenario_check regressions)" >&2
if build/gcc/tests/scenario/scenario_check regressions corpus/deferred_free_sched_fuzzer/regressions >"$out/regressions.txt" 2>&1; then
  guard=pass
else
  guard=fail; tail -20 "$out/regressions.txt" >&2
fi
echo "race-hunt: regression guard $guard in $(( $(date +%s) - start ))s ($out/regressions.txt)" >&2

# record unit arm result detector seconds execs known reproducer report workdir
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$records"; }

# Sets sbin, the svafuzz binary of the systematic arms (gcc preset; a plug-in gets its own
# build). Not in a $(...) subshell: a failed build must end the job (die).
systematic_bin() {  # build-file
  sbin=$svafuzz
  [ "$1" = - ] && return
  cfg="-DSVAFUZZ_PLUGINS=$1" build build/race-plugin-gcc gcc svafuzz
  sbin=$root/build/race-plugin-gcc/tools/svafuzz/svafuzz
}

# A systematic arm's verdict from its log: exit 0 clean; exit 1 with a
# "--- shape.design: detector after N execution(s)" block a finding; anything else an error.
record_systematic() {  # name arm rc log seconds
  local det
  det=$(grep -aE '^--- [^:]+: [a-z-]+ after' "$4" | head -1 | awk '{print $3}')
  if [ "$3" = 0 ]; then record "$1" "$2" CLEAN - "$5" - 0 - - -
  elif [ "$3" = 1 ] && [ -n "$det" ]; then record "$1" "$2" FOUND "$det" "$5" - 0 "$4" "$4" -
  else record "$1" "$2" ERROR - "$5" - 0 - "$4" -
  fi
}

# The litmus arm: every shape, bounded exhaustive search (bound 2, the IOMMU synchronous),
# expecting Never (litmus.sh also exits 1 when a file fails to run).
litmus_arm() {  # name bin dir
  local t0 rc
  t0=$(date +%s)
  bash ci/litmus.sh --svafuzz "$2" --design "$1" --kernel "$kernel" >"$3/litmus.txt" 2>&1; rc=$?
  record_systematic "$1" litmus $rc "$3/litmus.txt" $(( $(date +%s) - t0 ))
}

# The PCT arms: every shape at depth 2 and 3 with the IOMMU as its own agent, where exhaustive
# search cannot go (the agent's idle polling makes the tree unbounded; bound 3 is too large
# for CI). $pct_runs executions per shape; docs/race-hunting.md has the measurement.
pct_arm() {  # name bin dir depth
  local t0 rc log=$3/pct-d$4.txt
  t0=$(date +%s)
  "$2" designs --check "$1" --kernel "$kernel" --strategy pct --depth "$4" --runs "$pct_runs" >"$log" 2>&1; rc=$?
  record_systematic "$1" "pct-d$4" $rc "$log" $(( $(date +%s) - t0 ))
}

# A fuzzing arm through ci/hunt.sh (its last line: FOUND/CLEAN). The known count is the number
# of known signatures the hunt kept (known-<id> in its work directory), for both outcomes.
fuzz_arm() {  # name build-file dir arm seconds
  local name=$1 bf=$2 dir=$3 arm=$4 secs=$5 args=() last rc known work
  if [ "$bf" != - ]; then args=(--plugin "$bf"); else args=(--design "$name"); fi
  [ "$arm" = tsan ] && args+=(--preset fuzz-tsan --target deferred_free_threads_fuzzer)
  bash ci/hunt.sh "${args[@]}" --kernel "$kernel" --time "$secs" --out "$dir/$arm" >"$dir/$arm.log" 2>&1; rc=$?
  last=$(tail -1 "$dir/$arm.log")
  work=$(ls -d "$dir/$arm"/*/ 2>/dev/null | head -1); work=${work%/}
  known=$(ls "${work:-/nonexistent}" 2>/dev/null | grep -c '^known-[0-9a-f]\{16\}$')
  local w1 w2 w3 w4 w5 w6
  read -r w1 w2 w3 w4 w5 w6 _ <<<"$last"
  case "$rc:$w1" in
    0:CLEAN) record "$name" "$arm" CLEAN - "${w5%s}" "$w3" "$known" - - "${work:--}" ;;
    1:FOUND) record "$name" "$arm" FOUND "$w2" "${w4%s}" - "$known" "$w5" "$work/report.txt" "${work:--}" ;;
    *) record "$name" "$arm" ERROR - - - "$known" - "$dir/$arm.log" "${work:--}" ;;
  esac
}

# A planted design's remaining arms are skipped once an arm has found it (unless --all-arms).
skip_rest() {  # name expectation
  [ "$2" = flagged ] && [ $all_arms = 0 ] && awk -F'\t' -v n="$1" '$1 == n && $3 == "FOUND"' "$records" | grep -q .
}
i=0
for u in ${units[@]+"${units[@]}"}; do
  read -r kind name _ exp bf <<<"$u"; i=$((i + 1))
  dir="$out/$name"; mkdir -p "$dir"
  echo "race-hunt: [$i/$n] $kind $name (expected $exp): litmus" >&2
  systematic_bin "$bf"
  litmus_arm "$name" "$sbin" "$dir"
  for depth in 2 3; do
    skip_rest "$name" "$exp" && break
    echo "race-hunt: [$i/$n] $name: pct depth $depth ($pct_runs runs per shape)" >&2
    pct_arm "$name" "$sbin" "$dir" $depth
  done
  if skip_rest "$name" "$exp"; then echo "race-hunt: [$i/$n] $name: found by the systematic arms as expected; fuzzing arms skipped" >&2; continue; fi
  asan_t=$per; tsan_t=0
  [ $tsan = 1 ] && { tsan_t=$((per / 3)); asan_t=$((per - tsan_t)); }
  echo "race-hunt: [$i/$n] $name: asan ${asan_t}s" >&2
  fuzz_arm "$name" "$bf" "$dir" asan "$asan_t"
  skip_rest "$name" "$exp" && continue
  if [ $tsan = 1 ] && [ $tsan_t -gt 0 ]; then
    echo "race-hunt: [$i/$n] $name: tsan ${tsan_t}s" >&2
    fuzz_arm "$name" "$bf" "$dir" tsan "$tsan_t"
  fi
done

printf '%s\n' ${units[@]+"${units[@]}"} >"$out/units.txt"
python3 ci/race_report.py --root "$root" --units "$out/units.txt" --records "$records" --guard "$guard" \
  --kernel "$kernel" --out "$out"
