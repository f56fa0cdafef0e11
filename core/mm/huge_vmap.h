// Huge vmap promotion (mm/vmalloc.c vmap_try_huge_pmd/pud) and the x86 helpers that free the
// tables a huge leaf replaces (arch/x86/mm/pgtable.c pmd_free_pte_page, pud_free_pmd_page,
// pmd_set_huge, pud_set_huge). docs/kernel-sources.md items 4 and 7.
//
// The freed tables go through pagetable_dtor_free -> pagetable_free, so they are deferred
// (KernelHooks::pagetable_free_kernel) when marked PT_kernel, which every table the vmalloc
// path allocated is. v6.19 takes no init_mm lock here, so ptdump is not excluded; the
// v6.19-fixed profile takes mmap_read_lock_try(&init_mm) around the free and the set (the
// 2026 "vmap race fix"), which excludes it.
#pragma once
#include <cstdint>

#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

// pmd_free_pte_page(pmd, addr): pt = page_ptdesc(pmd_page(*pmd)); pmd_clear(pmd);
// flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1); pagetable_dtor_free(pt). Returns 1.
int pmd_free_pte_page(pteval_t* pmd, uint64_t addr);
// pud_free_pmd_page(pud, addr): scratch copy of the PMD entries, clear them, pud_clear, CPU
// flush, pagetable_dtor_free each PTE table, free_page(scratch), pmd_free(PMD table).
// Returns 0 (nothing changed) if the scratch page cannot be allocated, else 1.
int pud_free_pmd_page(pteval_t* pud, uint64_t addr);

// pmd_set_huge / pud_set_huge: refuse (0) on a present non-leaf entry, else set the leaf.
int pmd_set_huge(pteval_t* pmd, phys_addr_t addr, pteval_t prot);
int pud_set_huge(pteval_t* pud, phys_addr_t addr, pteval_t prot);

// vmap_try_huge_pmd/pud(entry, addr, end, phys_addr, prot, max_page_shift): 0 unless
// max_page_shift allows the level, end - addr is exactly the level size, addr and phys_addr
// are aligned to it, and (if the entry is present) freeing the table below succeeds.
int vmap_try_huge_pmd(pteval_t* pmd, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                      pteval_t prot, unsigned max_page_shift);
int vmap_try_huge_pud(pteval_t* pud, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                      pteval_t prot, unsigned max_page_shift);

}  // namespace svafuzz::mm
