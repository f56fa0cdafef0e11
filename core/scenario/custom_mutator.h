// The structure-aware mutator, engine-neutral: libFuzzer's LLVMFuzzerCustomMutator and
// LLVMFuzzerCustomCrossOver (the scenario fuzz targets) and AFL++'s afl_custom_fuzz
// (fuzzers/afl_mutator) call these. Inputs are decoded, mutated as scenarios (mutate.h) and
// re-encoded, so every output is a well-formed scenario.
//
// This file and what it uses (codec, mutate, scenario, text) link with nothing of the model:
// the AFL++ mutator library is built from them alone, without sanitizers or instrumentation,
// because afl-fuzz loads it into its own process.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/scenario/mutate.h"
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

// Decodes an input: text (starts with "svafuzz-scenario") or binary. A malformed text input
// returns false with the parse error in *err; binary never fails.
bool decode_input(const uint8_t* data, size_t size, Scenario* out, std::string* err);

// The engine's own byte mutator (libFuzzer's LLVMFuzzerMutate), or nullptr where there is none.
using MutateFn = size_t (*)(uint8_t* data, size_t size, size_t max_size);

// Mutates data[0, size) in place into at most max_size bytes; returns the new size. One call in
// eight goes to `fallback` when there is one (byte-level variety for the engine's dictionary);
// an input that decodes to no agent is replaced by a generated scenario. If the encoding does
// not fit max_size, the input is left as it was (or passed to `fallback`).
size_t custom_mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed, MutateFn fallback,
                     Profile profile);
// Writes a crossover of two inputs (agents and schedule cut from both) to out; returns its size.
size_t custom_crossover(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                        size_t max_out, unsigned seed);

}  // namespace svafuzz::scenario
