#!/usr/bin/env bash
# The race-hunting job: hunts the free-path designs and plug-ins a change touches, with every
# checker that earns its time, and fails only on a new finding. Runs the same locally and in CI.
#
#   bash ci/race-hunt.sh [--changed-since REF] [--design NAME]... [--plugin FILE]...
#                        [--budget SECONDS] [--min-per-design SECONDS] [--kernel PROFILE]
#                        [--no-tsan] [--out DIR] [--help]
#
#   --changed-since REF  hunt what `git diff REF` touches: core/free/designs/X.cc -> design X;
#                        plugins/F.c -> plug-in F; litmus/S.D.litmus -> design D; any other file
#                        of the model or the harness (core/, fuzzers/, corpus/, cmake/,
#                        CMakeLists.txt, CMakePresets.json, ci/hunt.sh, ci/race-hunt.sh) -> every
#                        shipped design and every plug-in; docs, tests and the rest -> nothing
#                        (the regression guard still runs)
#   --design NAME        hunt this shipped design (repeatable)
#   --plugin FILE        hunt this plug-in, one file against the plug-in API (repeatable)
#   --budget SECONDS     total fuzzing time, split evenly across the designs (default 600)
#   --min-per-design S   the least any design gets, even past the budget (default 60)
#   --kernel PROFILE     simulated kernel (default v6.19-fixed; `svafuzz kernels`)
#   --no-tsan            leave out the TSan real-thread arm
#   --out DIR            results directory (default out/race-hunt), emptied first
#   With neither a list nor --changed-since: every shipped design and plug-in.
#
# Steps: (1) the regression guard: corpus/deferred_free_sched_fuzzer/regressions/ replayed by
# scenario_check (each reproducer fires on its design, the clean designs stay clean); (2) per
# design, three arms: litmus (every litmus shape under bounded exhaustive search, gcc preset,
# ci/litmus.sh --design), asan (deferred_free_sched_fuzzer, controlled scheduler, ASan+UBSan,
# ci/hunt.sh, 2/3 of the design's time) and tsan (deferred_free_threads_fuzzer, real threads,
# fuzz-tsan preset with TSAN_OPTIONS=halt_on_error=1, 1/3).
#
# Verdicts (ci/race_report.py): a shipped design is judged by its expectation (`svafuzz
# designs`): a clean one must give no finding; a planted one must be found (by any arm; its
# other arms are then skipped), and is then "expected". A plug-in named with --plugin or touched
# by the diff is a patch under test: any finding is new. A plug-in selected because the model
# changed keeps its declared expectation (a line "svafuzz-expect: flagged" in the file).
# Findings whose signature corpus/known-findings lists are counted as known and pass.
#
# Writes DIR/summary.json, DIR/race-hunt.sarif (SARIF 2.1.0, one result per new finding, at the
# design's source line of the free or the faulting access), and per design DIR/<design>/ with
# each arm's log, reproducer, report and interleaving. Last line:
#   race-hunt: N designs, N new findings, N known
# Exit status: 0 no new finding and every planted design found; 1 otherwise; 2 the job could
# not run (bad flag, unknown design, failed build).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
usage() { sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "race-hunt.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

since=""; designs=(); plugins=(); budget=600; min_per=60; kernel=v6.19-fixed; tsan=1; out=out/race-hunt
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --changed-since) need_value "$@"; since=$2; shift 2 ;;
    --design) need_value "$@"; designs+=("$2"); shift 2 ;;
    --plugin) need_value "$@"; [ -f "$2" ] || die "--plugin: no such file '$2'"; plugins+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    --budget) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--budget takes a positive whole number of seconds, not '$2'"; budget=$2; shift 2 ;;
    --min-per-design) need_value "$@"; is_uint "$2" && [ "$2" -gt 0 ] || die "--min-per-design takes a positive whole number of seconds, not '$2'"; min_per=$2; shift 2 ;;
    --kernel) need_value "$@"; kernel=$2; shift 2 ;;
    --no-tsan) tsan=0; shift ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -d fuzzers ] && [ -f ci/hunt.sh ] || die "run from a svafuzz checkout"

bash ci/deps.sh python3 >&2 || die "dependency installation failed"
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p build
log_of() { echo "$root/build/race-hunt-$1.log"; }
build() {  # dir preset target... (extra cmake -D flags in $cfg)
  local dir=$1 preset=$2; shift 2
  { cmake --preset "$preset" -B "$dir" ${cfg:-} && cmake --build "$dir" -j "$jobs" --target "$@"; } \
    >"$(log_of "$(basename "$dir")")" 2>&1 || { tail -40 "$(log_of "$(basename "$dir")")" >&2; die "build of $* in $dir failed (log $(log_of "$(basename "$dir")"))"; }
}
echo "race-hunt: building svafuzz and scenario_check (gcc preset, build/race-gcc)" >&2
cfg="" build build/race-gcc gcc svafuzz scenario_check
svafuzz=$root/build/race-gcc/tools/svafuzz/svafuzz
"$svafuzz" designs --kernel "$kernel" >/dev/null 2>&1 || die "unknown kernel profile '$kernel' (svafuzz kernels lists them)"

# The catalogue: shipped designs with their expectation ("clean" or "flagged").
declare -A expect=()
while read -r name exp _; do
  [ "$name" = design ] && continue
  [ "$exp" = plug-in ] && continue
  expect[$name]=$exp
done < <("$svafuzz" designs)
design_of_plugin() { local b; b=$(basename "$1"); b=${b%%.*}; echo "${b//_/-}"; }
plugin_expect() { grep -qE 'svafuzz-expect:[[:space:]]*flagged' "$1" && echo flagged || echo clean; }

# Selection: unit lines "kind name file expectation".
units=()
add_design() {  # name expectation-or-empty
  [ -n "${expect[$1]:-}" ] || die "unknown design '$1' (known: ${!expect[*]})"
  local f="core/free/designs/${1//-/_}.cc"
  units+=("design $1 $f ${2:-${expect[$1]}}")
}
add_plugin() {  # absolute-file mode(test|catalogue)
  local rel=${1#"$root"/} e=clean
  [ "$2" = catalogue ] && e=$(plugin_expect "$1")
  units+=("plugin $(design_of_plugin "$1") $rel $e")
}
catalogue() {
  for d in $(printf '%s\n' "${!expect[@]}" | sort); do add_design "$d"; done
  for p in "$root"/plugins/*.c; do [ -f "$p" ] && add_plugin "$p" catalogue; done
}
if [ -n "$since" ]; then
  git rev-parse --verify -q "$since^{commit}" >/dev/null || die "--changed-since: '$since' is not a commit"
  changed=$(git diff --name-only "$since" --; git ls-files --others --exclude-standard)
  everything=0; declare -A picked=()
  for f in $changed; do
    case "$f" in
      core/free/designs/*.cc|core/free/designs/*.h)
        d=$(basename "$f"); d=${d%.*}; d=${d//_/-}
        if [ -n "${expect[$d]:-}" ]; then picked["design $d"]=1; else everything=1; fi ;;
      plugins/*.c) [ -f "$f" ] && picked["plugin $root/$f"]=1 ;;
      litmus/*.litmus) d=$(basename "$f" .litmus); d=${d##*.}; [ -n "${expect[$d]:-}" ] && picked["design $d"]=1 ;;
      core/*|fuzzers/*|corpus/*|cmake/*|CMakeLists.txt|*/CMakeLists.txt|CMakePresets.json|ci/hunt.sh|ci/race-hunt.sh|ci/race_report.py) everything=1 ;;
    esac
  done
  echo "race-hunt: $(echo "$changed" | grep -c .) file(s) changed since $since" >&2
  if [ $everything = 1 ]; then catalogue
  else for k in "${!picked[@]}"; do
    set -- $k
    if [ "$1" = design ]; then add_design "$2"; else add_plugin "$2" test; fi
  done; fi
fi
for d in ${designs[@]+"${designs[@]}"}; do add_design "$d"; done
for p in ${plugins[@]+"${plugins[@]}"}; do add_plugin "$p" test; done
[ -z "$since" ] && [ ${#designs[@]} -eq 0 ] && [ ${#plugins[@]} -eq 0 ] && catalogue
# One entry per name (an explicit --plugin/--design wins over the catalogue's).
mapfile -t units < <(printf '%s\n' ${units[@]+"${units[@]}"} | awk 'NF { last[$2] = $0; if (!seen[$2]++) order[++n] = $2 }
  END { for (i = 1; i <= n; i++) print last[order[i]] }')

rm -rf "$out"; mkdir -p "$out"; out=$(cd "$out" && pwd)
records="$out/records.tsv"; : >"$records"
n=${#units[@]}
per=$min_per
[ "$n" -gt 0 ] && [ $((budget / n)) -gt "$per" ] && per=$((budget / n))
[ "$n" -gt 0 ] && [ $((per * n)) -gt "$budget" ] && echo "race-hunt: $n designs x ${min_per}s minimum exceeds the ${budget}s budget; each gets ${per}s" >&2
echo "race-hunt: ${n} design(s), ${per}s each, kernel $kernel: $(printf '%s\n' ${units[@]+"${units[@]}"} | awk '{printf "%s%s(%s)", sep, $2, $4; sep=" "}')" >&2

# (1) The regression guard.
start=$(date +%s)
echo "race-hunt: regression guard (scenario_check regressions)" >&2
if build/race-gcc/tests/scenario/scenario_check regressions corpus/deferred_free_sched_fuzzer/regressions >"$out/regressions.txt" 2>&1; then
  guard=pass
else
  guard=fail; tail -20 "$out/regressions.txt" >&2
fi
echo "race-hunt: regression guard $guard in $(( $(date +%s) - start ))s ($out/regressions.txt)" >&2

# record unit arm result detector seconds execs known reproducer report workdir
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$records"; }

# The litmus arm: every shape, bounded exhaustive search, expecting Never.
litmus_arm() {  # name plugin-file-or-empty dir
  local name=$1 pf=$2 dir=$3 bin=$svafuzz t0 rc det
  if [ -n "$pf" ]; then
    cfg="-DSVAFUZZ_PLUGINS=$root/$pf" build build/race-plugin-gcc gcc svafuzz
    bin=$root/build/race-plugin-gcc/tools/svafuzz/svafuzz
  fi
  t0=$(date +%s)
  bash ci/litmus.sh --svafuzz "$bin" --design "$name" --kernel "$kernel" >"$dir/litmus.txt" 2>&1; rc=$?
  case $rc in
    0) record "$name" litmus CLEAN - $(( $(date +%s) - t0 )) - 0 - - "$dir" ;;
    1) det=$(grep -aE '^--- [^:]+: [a-z-]+ after' "$dir/litmus.txt" | head -1 | awk '{print $3}')
       record "$name" litmus FOUND "${det:-litmus}" $(( $(date +%s) - t0 )) - 0 "$dir/litmus.txt" "$dir/litmus.txt" "$dir" ;;
    *) record "$name" litmus ERROR - $(( $(date +%s) - t0 )) - 0 - "$dir/litmus.txt" "$dir" ;;
  esac
}

# A fuzzing arm through ci/hunt.sh (its last line: FOUND/CLEAN).
fuzz_arm() {  # name plugin-file-or-empty dir arm seconds
  local name=$1 pf=$2 dir=$3 arm=$4 secs=$5 args=() last rc known=0 work
  if [ -n "$pf" ]; then args=(--plugin "$root/$pf"); else args=(--design "$name"); fi
  [ "$arm" = tsan ] && args+=(--preset fuzz-tsan --target deferred_free_threads_fuzzer)
  bash ci/hunt.sh "${args[@]}" --kernel "$kernel" --time "$secs" --out "$dir/$arm" >"$dir/$arm.log" 2>&1; rc=$?
  last=$(tail -1 "$dir/$arm.log")
  work=$(ls -d "$dir/$arm"/*/ 2>/dev/null | head -1); work=${work%/}
  set -- $last
  case "$rc:$1" in
    0:CLEAN) record "$name" "$arm" CLEAN - "${5%s}" "$3" "${6#known=}" - - "$work" ;;
    1:FOUND) known=$(grep -ac 'hunt: known finding' "$dir/$arm.log")
             record "$name" "$arm" FOUND "$2" "${4%s}" - "$known" "$5" "$work/report.txt" "$work" ;;
    *) record "$name" "$arm" ERROR - - - 0 - "$dir/$arm.log" "$work" ;;
  esac
}

i=0
for u in ${units[@]+"${units[@]}"}; do
  set -- $u; kind=$1; name=$2; file=$3; exp=$4; i=$((i + 1))
  pf=""; [ "$kind" = plugin ] && pf=$file
  dir="$out/$name"; mkdir -p "$dir"
  echo "race-hunt: [$i/$n] $kind $name (expected $exp): litmus" >&2
  litmus_arm "$name" "$pf" "$dir"
  found() { awk -F'\t' -v n="$1" '$1 == n && $3 == "FOUND"' "$records" | grep -q .; }
  if [ "$exp" = flagged ] && found "$name"; then
    echo "race-hunt: [$i/$n] $name: found by litmus as expected; fuzzing arms skipped" >&2; continue
  fi
  asan_t=$per; tsan_t=0
  [ $tsan = 1 ] && { tsan_t=$((per / 3)); asan_t=$((per - tsan_t)); }
  echo "race-hunt: [$i/$n] $name: asan ${asan_t}s" >&2
  fuzz_arm "$name" "$pf" "$dir" asan "$asan_t"
  if [ "$exp" = flagged ] && found "$name"; then continue; fi
  if [ $tsan = 1 ]; then
    echo "race-hunt: [$i/$n] $name: tsan ${tsan_t}s" >&2
    fuzz_arm "$name" "$pf" "$dir" tsan "$tsan_t"
  fi
done

printf '%s\n' ${units[@]+"${units[@]}"} >"$out/units.txt"
python3 ci/race_report.py --root "$root" --units "$out/units.txt" --records "$records" --guard "$guard" \
  --kernel "$kernel" --out "$out"
