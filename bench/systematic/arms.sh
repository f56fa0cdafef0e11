#!/usr/bin/env bash
# Which systematic arm earns its time: every design on every litmus shape under bounded
# exhaustive search, seeded random exploration and PCT (depth 2 and 3), in one run. Prints a
# table (design x arm: shapes found, executions to the first finding, seconds) and the command
# behind each row. A measurement, not a test: ci/plugin.sh and ci/race-hunt.sh run the arms
# this table shows to find something (docs/race-hunting.md, "Systematic arms").
#
#   bash bench/systematic/arms.sh [--runs N] [--designs "a b"] [--arms "exhaustive random pct-d2 pct-d3"]
#                                 [--svafuzz PATH] [--kernel PROFILE]
#
#   --runs N     executions per shape for random and PCT (default 20000; exhaustive runs its
#                whole tree at bound 2, capped at 200000 executions per shape)
#   --designs    default: every registered design and plug-in (svafuzz designs)
#   --svafuzz    default: build/gcc/tools/svafuzz/svafuzz, built with the gcc preset if absent
# Random and PCT run with the IOMMU as its own agent (as ci/plugin.sh does); exhaustive drives
# it synchronously (docs/designs.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=20000; designs=""; arms="exhaustive random pct-d2 pct-d3"; svafuzz=""; kernel=v6.19
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:-}; shift 2 ;;
    --designs) designs=${2:-}; shift 2 ;;
    --arms) arms=${2:-}; shift 2 ;;
    --svafuzz) svafuzz=${2:-}; shift 2 ;;
    --kernel) kernel=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "arms.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "arms.sh: --runs needs a positive number" >&2; exit 2 ;; esac
if [ -z "$svafuzz" ]; then
  svafuzz=build/gcc/tools/svafuzz/svafuzz
  { cmake --preset gcc >/dev/null && cmake --build build/gcc --target svafuzz >/dev/null; } ||
    { echo "arms.sh: gcc build failed" >&2; exit 2; }
fi
[ -x "$svafuzz" ] || { echo "arms.sh: '$svafuzz' is not executable" >&2; exit 2; }
if [ -z "$designs" ]; then designs=$("$svafuzz" designs | awk 'NR>1{print $1}'); fi

arm_args() {  # arm -> svafuzz designs options
  case "$1" in
    exhaustive) echo "--strategy exhaustive" ;;
    random) echo "--strategy random --runs $runs" ;;
    pct-d[1-8]) echo "--strategy pct --depth ${1#pct-d} --runs $runs" ;;
    *) echo "arms.sh: unknown arm '$1' (exhaustive, random, pct-dN)" >&2; return 2 ;;
  esac
}
for a in $arms; do arm_args "$a" >/dev/null || exit 2; done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-22s %-9s %-10s %6s %12s %9s\n' design expected arm found first-found seconds
for d in $designs; do
  exp=$("$svafuzz" designs | awk -v d="$d" '$1==d{print $2}')
  [ -n "$exp" ] || { echo "arms.sh: unknown design '$d'" >&2; exit 2; }
  for a in $arms; do
    # shellcheck disable=SC2046
    "$svafuzz" designs --check "$d" --kernel "$kernel" $(arm_args "$a") >"$out" 2>&1
    rc=$?
    [ $rc -le 1 ] || { echo "arms.sh: svafuzz designs --check $d failed (exit $rc):"; cat "$out"; exit 2; } >&2
    # Shape rows: shape strategy result [detector] executions seconds.
    awk -v d="$d" -v e="$exp" -v a="$a" '
      $2 ~ /^(exhaustive|random|pct-d[0-9]|threads)$/ {
        shapes++; secs += $NF
        if ($3 == "FOUND") { found++; x = $(NF-1); if (first == "" || x + 0 < first + 0) first = x }
      }
      END { printf "%-22s %-9s %-10s %3d/%-2d %12s %9.2f\n", d, e, a, found, shapes,
                   first == "" ? "-" : first, secs }' "$out"
  done
done
echo "(found: shapes with a finding; first-found: fewest executions to a finding on one shape;"
echo " seconds: all shapes.  command: bash bench/systematic/arms.sh --runs $runs --kernel $kernel;"
echo " each row: $svafuzz designs --check DESIGN --kernel $kernel ARM-OPTIONS)"
