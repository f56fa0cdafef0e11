// CPU TLB flushes (arch/x86/mm/tlb.c): flush_tlb_kernel_range, flush_tlb_all, and the user
// flush_tlb_mm_range, which on x86 also calls mmu_notifier_arch_invalidate_secondary_tlbs so
// an SVA IOMMU drops its translations for the range.
//
// Contract: each is one kTlbFlush scheduling point followed by the hook call; no locks are
// taken or expected. The CPU's own TLB is not modelled (the model's CPU walks the tables each
// time); the IOMMU's caches are NOT flushed by flush_tlb_kernel_range/flush_tlb_all, exactly
// as in the kernel: only the deferred-free worker's iommu_sva_invalidate_kva_range does that.
#pragma once
#include <cstdint>

#include "core/mm/mm_struct.h"
#include "core/sync/event.h"

namespace svafuzz::mm {

constexpr uint64_t TLB_FLUSH_ALL = ~0ULL;

// flush_tlb_kernel_range(start, end): KernelHooks::flush_tlb_kernel(start, end).
void flush_tlb_kernel_range(uint64_t start, uint64_t end, sync::SourceLoc loc = SVAFUZZ_HERE);
// flush_tlb_all(): KernelHooks::flush_tlb_kernel(0, TLB_FLUSH_ALL).
void flush_tlb_all(sync::SourceLoc loc = SVAFUZZ_HERE);
// flush_tlb_mm_range(mm, start, end): the CPU flush, then
// KernelHooks::invalidate_secondary_tlbs(mm, start, end).
void flush_tlb_mm_range(mm_struct* mm, uint64_t start, uint64_t end,
                        sync::SourceLoc loc = SVAFUZZ_HERE);

}  // namespace svafuzz::mm
