#!/bin/bash -eu
# ClusterFuzzLite's build step: the shared continuous-fuzzing build (ci/fuzz-build.sh).
exec bash "$SRC/svafuzz/ci/fuzz-build.sh"
