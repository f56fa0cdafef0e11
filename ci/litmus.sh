#!/usr/bin/env bash
# Runs the litmus tests (litmus/*.litmus) and checks every expected result against the actual
# one, printing one table. Exit status: 0 all as expected, 1 a mismatch, 2 bad usage or build.
#
#   bash ci/litmus.sh                         build (gcc preset, build/litmus) and run all
#   bash ci/litmus.sh --svafuzz PATH          use an existing svafuzz binary (ctest does)
#   bash ci/litmus.sh --jobs N FILE...        run these files, N at a time (default 2)
#   bash ci/litmus.sh --design NAME           run every shape on design NAME expecting Never
#                                             (ci/plugin.sh uses this for a plug-in)
#   bash ci/litmus.sh --kernel PROFILE        run under this kernel profile (default v6.19;
#                                             svafuzz kernels lists them)
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
svafuzz=""
build_dir="$here/build/litmus"
jobs=2
design=""
kernel=v6.19
files=()
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --svafuzz) svafuzz="${2:-}"; shift 2 ;;
    --build-dir) build_dir="${2:-}"; shift 2 ;;
    --jobs) jobs="${2:-}"; shift 2 ;;
    --design) design="${2:-}"; shift 2 ;;
    --kernel) kernel="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "litmus.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
case "$jobs" in ''|*[!0-9]*|0) echo "litmus.sh: --jobs needs a positive number" >&2; exit 2 ;; esac
if [ ${#files[@]} -eq 0 ]; then files=("$here"/litmus/*.litmus); fi
for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "litmus.sh: no such litmus file '$f'" >&2; exit 2; }
done
if [ -z "$svafuzz" ]; then
  { cmake --preset gcc -B "$build_dir" >/dev/null && cmake --build "$build_dir" --target svafuzz -j"$jobs" >/dev/null; } ||
    { echo "litmus.sh: build failed" >&2; exit 2; }
  svafuzz="$build_dir/tools/svafuzz/svafuzz"
fi
[ -x "$svafuzz" ] || { echo "litmus.sh: '$svafuzz' is not executable" >&2; exit 2; }
# A bad --kernel is a usage error before any file runs (svafuzz validates the name).
"$svafuzz" designs --kernel "$kernel" >/dev/null 2>&1 ||
  { echo "litmus.sh: unknown kernel profile '$kernel' (svafuzz kernels lists them)" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
extra=(--kernel "$kernel")
[ -n "$design" ] && extra+=(--design "$design")
# With --design, files that share a shape are one run (at bound max(k, 2), see svafuzz litmus).
if [ -n "$design" ]; then
  declare -A seen=()
  uniq=()
  for f in "${files[@]}"; do
    key="$(awk '$1=="shape"{print $2}' "$f")"
    [ -n "${seen[$key]:-}" ] && continue
    seen[$key]=1; uniq+=("$f")
  done
  files=("${uniq[@]}")
fi
start=$(date +%s)
run_one() {  # index file
  "$svafuzz" litmus ${extra[@]+"${extra[@]}"} "$2" > "$out/$1.out" 2>&1
  echo $? > "$out/$1.rc"
}
i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$i" "$f" &
done
wait
# One table: the header once, then each run's rows; the details of every mismatch after it.
bad=0
first=1
for n in $(seq 1 "$i"); do
  rc="$(cat "$out/$n.rc" 2>/dev/null || echo 2)"
  if [ "$first" = 1 ]; then grep -m1 '^test ' "$out/$n.out"; first=0; fi
  awk 'f && /litmus result\(s\) as expected/ {exit} f {print} /^test / {f=1}' "$out/$n.out"
  if [ "$rc" = 2 ]; then bad=$((bad + 1)); echo "error: ${files[$((n - 1))]}: $(tail -1 "$out/$n.out")"; fi
  if [ "$rc" = 1 ]; then bad=$((bad + 1)); fi
done
for n in $(seq 1 "$i"); do
  rc="$(cat "$out/$n.rc" 2>/dev/null || echo 2)"
  if [ "$rc" != 0 ] && grep -q '^--- ' "$out/$n.out"; then
    echo; sed -n '/^--- /,/^test /p' "$out/$n.out" | grep -v '^test '
  fi
done
echo "litmus: $((i - bad)) of $i as expected in $(( $(date +%s) - start ))s ($svafuzz)"
[ "$bad" = 0 ] || exit 1
exit 0
