// CPU TLB flush events and their hooks.
#include "core/mm/tlb.h"

#include "core/mm/kernel.h"
#include "core/sync/runtime.h"

namespace svafuzz::mm {
namespace {

void cpu_flush(uint64_t start, uint64_t end, sync::SourceLoc loc) {
  Kernel& k = kernel();
  sync::point(sync::Event{sync::EventKind::kTlbFlush, &k, loc});
  if (k.hooks().flush_tlb_kernel) k.hooks().flush_tlb_kernel(start, end);
}

}  // namespace

void flush_tlb_kernel_range(uint64_t start, uint64_t end, sync::SourceLoc loc) {
  cpu_flush(start, end, loc);
}

void flush_tlb_all(sync::SourceLoc loc) { cpu_flush(0, TLB_FLUSH_ALL, loc); }

void flush_tlb_mm_range(mm_struct* mm, uint64_t start, uint64_t end, sync::SourceLoc loc) {
  Kernel& k = kernel();
  sync::point(sync::Event{sync::EventKind::kTlbFlush, mm, loc});
  // arch/x86/mm/tlb.c flush_tlb_mm_range ends with
  // mmu_notifier_arch_invalidate_secondary_tlbs(mm, start, end).
  if (k.hooks().invalidate_secondary_tlbs) k.hooks().invalidate_secondary_tlbs(mm, start, end);
}

}  // namespace svafuzz::mm
