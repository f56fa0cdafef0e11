#!/usr/bin/env bash
# The one build script of continuous fuzzing: OSS-Fuzz (ci/oss-fuzz/build.sh) and
# ClusterFuzzLite (.clusterfuzzlite/build.sh) both run it, and ci/oss-fuzz/check.sh runs it here
# with the environment OSS-Fuzz sets.
#
#   bash ci/fuzz-build.sh [--help]
#
# Reads only the environment OSS-Fuzz's base-builder sets, and needs every variable of it:
#   CC CXX CFLAGS CXXFLAGS   compilers and flags (sanitizer, coverage, -stdlib=libc++), used as
#                            they are: cmake/SvafuzzFlags.cmake adds none of its own when
#                            LIB_FUZZING_ENGINE is set
#   LIB_FUZZING_ENGINE       the engine, linked into every fuzz target and nowhere else
#   SANITIZER FUZZING_ENGINE address|undefined|coverage|..., libfuzzer|afl|... (build dir name;
#                            afl also builds the AFL++ custom mutator)
#   SRC WORK OUT             sources ($SRC/svafuzz, else this checkout), scratch, output
#
# Writes to $OUT, for every fuzz target T (one per fuzzers/<dir>/, named <dir>_fuzzer):
#   T                  the target, with the C++ runtime linked statically
#   T_seed_corpus.zip  corpus/T/'s top-level files named by their SHA-1 (the known reproducers
#                      in corpus/T/regressions/ are left out: they would refile the v6.19 gaps)
#   T.dict             the target's dictionary (the scenario targets share the text-form one)
#   T.options          libFuzzer flags (max_len, dict)
# and, for FUZZING_ENGINE=afl, svafuzz_afl_mutator.so (AFL_CUSTOM_MUTATOR_LIBRARY, docs/
# continuous-fuzzing.md). Every target fuzzes its defaults: design mainline, kernel v6.19-fixed,
# every op (docs/continuous-fuzzing.md says why).
# Exit status: 0 built; 1 a required variable is missing or the build failed.
set -euo pipefail

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
[ $# -eq 0 ] || { echo "fuzz-build.sh: no arguments are taken (see --help)" >&2; exit 1; }

missing=()
for v in CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE SRC WORK OUT SANITIZER FUZZING_ENGINE; do
  [ -n "${!v+set}" ] || missing+=("$v")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz-build.sh: ${missing[*]} not set; this script runs inside OSS-Fuzz or ClusterFuzzLite," >&2
  echo "fuzz-build.sh: which set them (to build here with their values: bash ci/oss-fuzz/check.sh)" >&2
  exit 1
fi

here=$(cd "$(dirname "$0")/.." && pwd)
root=$here
[ -f "$SRC/svafuzz/CMakeLists.txt" ] && root=$(cd "$SRC/svafuzz" && pwd)
build="$WORK/svafuzz-$SANITIZER-$FUZZING_ENGINE"
mkdir -p "$OUT" "$build"

# The C++ runtime goes in statically: the runner image has no libc++.so (OSS-Fuzz builds
# libc++ static-only) and may have another libstdc++. libc++'s static archive needs libc++abi.
link_flags="-static-libstdc++"
case " $CXXFLAGS " in *" -stdlib=libc++ "*) link_flags="$link_flags -Wl,-Bstatic -lc++abi -Wl,-Bdynamic" ;; esac

generator=(-G Ninja)
command -v ninja >/dev/null 2>&1 || generator=(-G "Unix Makefiles")
jobs=$(nproc 2>/dev/null || echo 2)
common=(-DSVAFUZZ_BUILD_TESTS=OFF -DSVAFUZZ_BUILD_BENCHMARKS=OFF -DSVAFUZZ_BUILD_TOOLS=OFF)
echo "fuzz-build: configuring $root in $build ($SANITIZER, $FUZZING_ENGINE)"
cmake -S "$root" -B "$build" "${generator[@]}" "${common[@]}" -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_ASM_COMPILER="$CC" \
  -DCMAKE_EXE_LINKER_FLAGS="$link_flags" >"$build/configure.log" 2>&1 \
  || { cat "$build/configure.log" >&2; echo "fuzz-build.sh: configure failed" >&2; exit 1; }

# A fuzz target is fuzzers/<dir>/<dir>_fuzzer.cc (fuzzers/afl_mutator is not one).
targets=()
for d in "$root"/fuzzers/*/; do
  d=$(basename "$d")
  [ -f "$root/fuzzers/$d/${d}_fuzzer.cc" ] && targets+=("${d}_fuzzer")
done
echo "fuzz-build: building ${targets[*]}"
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >"$build/build.log" 2>&1 \
  || { tail -60 "$build/build.log" >&2; echo "fuzz-build.sh: build failed" >&2; exit 1; }

# AFL++: the custom mutator library, from a second configure with no sanitizer, engine or
# instrumentation (afl-fuzz loads it into its own process). The real compiler is the one
# afl-clang-fast wraps: $AFL_CXX if set, else clang++.
if [ "$FUZZING_ENGINE" = afl ]; then
  mcc=${AFL_CC:-clang}; mcxx=${AFL_CXX:-clang++}
  command -v "$mcxx" >/dev/null 2>&1 || { mcc=clang-14; mcxx=clang++-14; }
  mbuild="$WORK/svafuzz-afl-mutator"
  echo "fuzz-build: building the AFL++ custom mutator with $mcxx in $mbuild"
  env -u LIB_FUZZING_ENGINE CFLAGS="-O2" CXXFLAGS="-O2" \
    cmake -S "$root" -B "$mbuild" "${generator[@]}" "${common[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$mcc" -DCMAKE_CXX_COMPILER="$mcxx" -DCMAKE_ASM_COMPILER="$mcc" \
    -DSVAFUZZ_SANITIZER=none -DSVAFUZZ_FUZZ_ENGINE=none >"$mbuild.configure.log" 2>&1 \
    && cmake --build "$mbuild" -j "$jobs" --target svafuzz_afl_mutator >"$mbuild.build.log" 2>&1 \
    || { tail -40 "$mbuild.configure.log" "$mbuild.build.log" >&2; echo "fuzz-build.sh: mutator build failed" >&2; exit 1; }
  cp "$mbuild/fuzzers/afl_mutator/libsvafuzz_afl_mutator.so" "$OUT/svafuzz_afl_mutator.so"
fi

# Zips `dir`'s top-level files under their SHA-1 names (python3: zip is not in every image).
seed_zip() {
  local dir=$1 zip=$2
  python3 - "$dir" "$zip" <<'PY'
import hashlib, os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if os.path.isfile(path):
            data = open(path, "rb").read()
            z.writestr(hashlib.sha1(data).hexdigest(), data)
PY
}

scenario_dict="$root/fuzzers/scenario_decoder/scenario_decoder_fuzzer.dict"
for t in "${targets[@]}"; do
  dir=${t%_fuzzer}
  cp "$build/fuzzers/$t" "$OUT/$t"
  dict="$root/fuzzers/$dir/$t.dict"
  [ -f "$dict" ] || dict=$scenario_dict   # the deferred_free_* targets read scenarios too
  cp "$dict" "$OUT/$t.dict"
  # The tree's options, with the dict pointed at the copy beside the target.
  { grep -v '^dict' "$root/fuzzers/$dir/$t.options"; echo "dict = $t.dict"; } >"$OUT/$t.options"
  rm -f "$OUT/${t}_seed_corpus.zip"
  [ -d "$root/corpus/$t" ] && seed_zip "$root/corpus/$t" "$OUT/${t}_seed_corpus.zip"
  echo "fuzz-build: $OUT/$t ($(find "$root/corpus/$t" -maxdepth 1 -type f 2>/dev/null | wc -l) seeds)"
done
echo "fuzz-build: ${#targets[@]} targets in $OUT"
