// Design "sync": the pre-fix kernel (before the v6.19 series): pagetable_free_kernel frees the
// page at once, with no IOMMU invalidation at all (include/linux/mm.h without
// CONFIG_ASYNC_KERNEL_PGTABLE_FREE, and every kernel before 5ba2f0a15564).
//
// Wrong on purpose; the baseline. Interleaving: a device walk caches PDE -> P; the CPU clears
// the PDE, flushes the CPU TLB (not the IOMMU) and frees P; a later device walk hits the stale
// PDE in the paging-structure cache and reads the freed P. Detector: AddressSanitizer at the
// IOMMU walk's read (asan builds), frame-check otherwise.
#include "core/free/plugin.h"

namespace svafuzz_design_sync {

static void pagetable_free_kernel(struct ptdesc *pt) { __pagetable_free(pt); }

}  // namespace svafuzz_design_sync

namespace svafuzz::free {
void register_design_sync() {
  register_design({.name = "sync",
                   .verdict = Verdict::kFlagged,
                   .detectors = "asan|frame-check",
                   .summary = "pre-fix kernel: free at once, no IOMMU invalidation (baseline)",
                   .source = "include/linux/mm.h before 5ba2f0a15564",
                   .pagetable_free_kernel = svafuzz_design_sync::pagetable_free_kernel});
}
}  // namespace svafuzz::free
