#!/usr/bin/env bash
# The README's test command: installs dependencies, then configures, builds and runs ctest in
# each preset (default: asan tsan gcc). Prints ctest's summary for every preset and a final
# "N passed, N failed" line over presets; exits non-zero if any preset fails.
#
#   bash ci/test.sh [--help] [PRESET ...]      presets: asan tsan gcc fuzz
set -uo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
presets=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    asan|tsan|gcc|fuzz) presets+=("$a") ;;
    *) echo "test.sh: unknown preset '$a' (expected asan, tsan, gcc or fuzz)" >&2; exit 2 ;;
  esac
done
[ ${#presets[@]} -eq 0 ] && presets=(asan tsan gcc)

bash ci/deps.sh || { echo "test.sh: dependency installation failed" >&2; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
passed=0; failed=0; failed_names=()
for p in "${presets[@]}"; do
  echo "=== preset $p: configure, build, test ==="
  start=$(date +%s)
  mkdir -p build
  if cmake --preset "$p" >"build/$p.configure.log" 2>&1 || { cat "build/$p.configure.log"; false; }; then
    if cmake --build --preset "$p" -j "$jobs" && \
       ctest --preset "$p" -j "$jobs" --timeout 900; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); failed_names+=("$p")
    fi
  else
    failed=$((failed + 1)); failed_names+=("$p")
  fi
  echo "=== preset $p done in $(( $(date +%s) - start ))s ==="
done

echo "presets: ${passed} passed, ${failed} failed${failed_names:+ (${failed_names[*]})}"
[ "$failed" -eq 0 ]
