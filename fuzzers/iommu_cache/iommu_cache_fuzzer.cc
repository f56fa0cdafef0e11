// iommu_cache_fuzzer: differential fuzzing of the VT-d SVA caches (core/iommu: IOTLB,
// paging-structure caches, device TLBs, queued invalidation) against fresh walks of the
// current page tables (IommuOracle, strict). Thin entry point: cap, decode, run, report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/sync/finding.h"
#include "fuzzers/common/report.h"
#include "fuzzers/iommu_cache/program.h"
#include "fuzzers/iommu_cache/runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svafuzz::fuzz::iommu_cache;   // NOLINT
  svafuzz::findings().clear();
  // decode() reads at most 1 + 6 * kMaxOps bytes; the rest of a longer input is ignored.
  Program p = decode(data, size);
  // IOMMU_CACHE_VERBOSE=1 prints each op (for replaying a reproducer).
  static const bool verbose = std::getenv("IOMMU_CACHE_VERBOSE") != nullptr;
  run_program(p, verbose);
  svafuzz::fuzz::abort_on_findings("iommu_cache_fuzzer");
  return 0;
}
