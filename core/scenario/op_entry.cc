// op_kernel_entry (op_entry.h).
#include "core/scenario/op_entry.h"

namespace svafuzz::scenario {

const char* op_kernel_entry(const Op& op) {
  switch (op.kind) {
    case OpKind::kVmap: return "vmap_range_noflush";
    case OpKind::kVmapHuge: return op.arg & 1 ? "vmap_try_huge_pud" : "vmap_try_huge_pmd";
    case OpKind::kVunmap: return "vunmap_range";
    case OpKind::kHotAdd: return "add_memory";
    case OpKind::kHotRemove: return "remove_memory";
    case OpKind::kCpa: return "change_page_attr_set_clr";
    case OpKind::kMmap: return "mmap";
    case OpKind::kMunmap: return "munmap";
    case OpKind::kBind: return "iommu_sva_bind_device";
    case OpKind::kUnbind: return "iommu_sva_unbind_device";
    case OpKind::kExit: return "exit_mmap";
    case OpKind::kPtdump: return "ptdump_walk_pgd";
    case OpKind::kDmaRead:
    case OpKind::kDmaWrite:
    case OpKind::kPrefetch:
    case OpKind::kSpray:
    case OpKind::kRelease:
    case OpKind::kCount: break;
  }
  return "";
}

}  // namespace svafuzz::scenario
