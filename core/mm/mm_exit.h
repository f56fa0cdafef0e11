// The end of a process's address space (kernel/fork.c mmput/__mmdrop, mm/mmap.c exit_mmap),
// reduced to what the page tables and the SVA IOMMU see.
//
//   exit_mmap(mm)   mmu_notifier_release (KernelHooks::mm_release: the SVA driver clears the
//                   mm's PASID entries and flushes, intel_mm_release), then marks the notifiers
//                   released (no later invalidation of this mm reaches the IOMMU), then zaps
//                   every user PTE, flushes the CPU TLB, frees the data pages, and frees the
//                   user tables bottom-up (free_pgtables: clear the entry, then free). The pgd
//                   stays: it belongs to the mm until __mmdrop.
//   mmgrab(mm)      takes an mm_count reference (an SVA domain's mmu_notifier holds one).
//   mmdrop(mm)      drops one; the last runs __mmdrop: mm_pasid_drop (KernelHooks::
//                   mm_pasid_drop: frees mm->iommu_mm and its PASID), pgd_list_del, pgd_free,
//                   and frees the mm_struct itself. After it, `mm` is a dangling pointer.
// mm_users (who may still use the address space) is the caller's bookkeeping: exit_mmap runs
// when the last user leaves (mmput). Scheduling points: those of the table accesses, locks and
// flushes inside. Locks: exit_mmap takes mmap_lock (after mmu_notifier_release, as the kernel
// does) and page_table_lock; the callers hold none.
#pragma once
#include "core/mm/mm_struct.h"

namespace svafuzz::mm {

void exit_mmap(mm_struct* mm);
void mmgrab(mm_struct* mm);
void mmdrop(mm_struct* mm);

}  // namespace svafuzz::mm
