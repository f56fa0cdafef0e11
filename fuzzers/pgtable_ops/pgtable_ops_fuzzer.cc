// pgtable_ops_fuzzer: differential fuzzing of the radix page tables (core/mm) against the
// flat reference model (core/oracle). Thin entry point: cap, decode, run, report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/sync/finding.h"
#include "fuzzers/common/report.h"
#include "fuzzers/pgtable_ops/program.h"
#include "fuzzers/pgtable_ops/runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svafuzz::fuzz::pgtable_ops;   // NOLINT
  svafuzz::findings().clear();
  // decode() reads at most 1 + 6 * kMaxOps bytes; the rest of a longer input is ignored.
  Program p = decode(data, size);
  // PGTABLE_OPS_VERBOSE=1 prints each op (for replaying a reproducer).
  static const bool verbose = std::getenv("PGTABLE_OPS_VERBOSE") != nullptr;
  run_program(p, verbose);
  svafuzz::fuzz::abort_on_findings("pgtable_ops_fuzzer");
  return 0;
}
