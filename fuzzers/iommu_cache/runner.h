// The differential runner behind the iommu_cache fuzzer: runs a Program on a fresh Kernel and
// IommuSystem (two VT-d units; a plain device and an ATS device on the first, one device on
// the second; two user mms), maps each op's raw arguments onto a valid operation (or skips
// it), and after every op checks every IOTLB, paging-structure-cache and device-TLB entry
// against a fresh walk with the strict IommuOracle (every page-table change is noted before
// it is made). Detectors: the oracle, the walkers' frame check, AddressSanitizer on walks and
// DMA into freed frames. Tests call run_program directly.
#pragma once
#include <cstddef>

#include "fuzzers/iommu_cache/program.h"

namespace svafuzz::fuzz::iommu_cache {

struct RunStats {
  size_t executed = 0;       // ops that changed or inspected the model
  size_t skipped = 0;        // ops mapped to nothing (invalid for the current state)
  size_t dma_ok = 0;         // DMAs that translated
  size_t dma_faults = 0;     // DMAs that faulted (U/S, not present, no PASID, ...)
  size_t stale_pending = 0;  // stale cache entries the oracle saw, all explained
  size_t oracle_checks = 0;
};

// Findings go to svafuzz::findings(). With `verbose`, prints each op as it runs.
RunStats run_program(const Program& p, bool verbose = false);

}  // namespace svafuzz::fuzz::iommu_cache
