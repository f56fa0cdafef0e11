// The differential runner behind the pgtable_ops fuzzer: runs a Program on a fresh Kernel and
// on the flat reference model, maps each op's raw arguments onto a valid operation (or skips
// it), and compares the two after every op. Tests call run_program directly.
#pragma once
#include <cstddef>

#include "fuzzers/pgtable_ops/program.h"

namespace svafuzz::fuzz::pgtable_ops {

struct RunStats {
  size_t executed = 0;   // ops that changed or inspected the model
  size_t skipped = 0;    // ops mapped to nothing (invalid for the current state)
};

// Findings (oracle mismatches, frame-check failures) go to svafuzz::findings(). With
// `verbose`, prints each op as it runs.
RunStats run_program(const Program& p, bool verbose = false);

}  // namespace svafuzz::fuzz::pgtable_ops
