#!/usr/bin/env bash
# Installs what svafuzz needs from Debian 12's packages. Idempotent: installs only what is
# missing, so a machine that has everything makes no network call.
set -euo pipefail

packages=(
  clang-14 libclang-rt-14-dev llvm-14      # compiler, libFuzzer + sanitizer runtimes, symbolizer
  gcc-12 g++-12                            # the non-fuzzing GCC build
  cmake ninja-build
  googletest libgtest-dev libgmock-dev     # GoogleTest sources are built with our sanitizer flags
  libbenchmark-dev                         # Google Benchmark
  libcli11-dev                             # argument parsing
  nlohmann-json3-dev                       # traces and reports as JSON
  python3 python3-jsonschema python3-yaml  # CI scripts' reports; SARIF and workflow checks (tests/ci)
)
packages+=("$@")                           # a script's own extras (ci/oss-fuzz/check.sh: afl++ ...)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
