#!/bin/bash -eu
# OSS-Fuzz's build step: the shared continuous-fuzzing build (ci/fuzz-build.sh in the clone).
exec bash "$SRC/svafuzz/ci/fuzz-build.sh"
