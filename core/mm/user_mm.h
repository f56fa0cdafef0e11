// User address-space pages of a user mm: mapping one anonymous 4 KiB page (what mmap with
// MAP_POPULATE / a first-touch fault ends in: __get_free_page + do_anonymous_page) and
// unmapping it (munmap: zap_pte_range, the mmu_gather flush, then the page free; optionally
// free_pgtables' release of an emptied PTE table).
//
// User tables come from the generic allocators with mm != &init_mm, so they are never marked
// PT_kernel and pte_free frees them at once. The invalidation order is the kernel's: clear
// the PTE, flush_tlb_mm_range (which calls mmu_notifier_arch_invalidate_secondary_tlbs, i.e.
// KernelHooks::invalidate_secondary_tlbs), and only then free the data page and table.
// Simplification: the mmu_gather's RCU table free (MMU_GATHER_RCU_TABLE_FREE) is not modelled;
// the PTE table is freed right after the flush.
#pragma once
#include <cstdint>

#include "core/mm/frame.h"
#include "core/mm/mm_struct.h"

namespace svafuzz::mm {

// Maps a fresh zeroed data page at user address `addr` (page aligned, below TASK_SIZE) of
// `mm` (not init_mm): PAGE_SHARED_USER, or without _PAGE_RW when !writable. Takes mmap_lock
// (write) and mm->page_table_lock. Returns the data page, or nullptr on -ENOMEM or if `addr`
// is already mapped or out of range.
ptdesc* mmap_user_page(mm_struct* mm, uint64_t addr, bool writable);

// Unmaps the page at `addr`: ptep_get_and_clear under page_table_lock, then (if
// free_empty_table and the PTE table is now empty) pmd_clear, then flush_tlb_mm_range(mm,
// addr, addr + PAGE_SIZE), then free_page(data) and pte_free(table). Takes mmap_lock (write).
// Returns 0, or -EINVAL if nothing was mapped there.
int munmap_user_page(mm_struct* mm, uint64_t addr, bool free_empty_table);

}  // namespace svafuzz::mm
