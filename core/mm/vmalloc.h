// vmalloc/ioremap page-table operations (mm/vmalloc.c, v6.19): vmap_range_noflush with huge
// promotion, and vunmap_range, which clears entries but never frees tables.
//
// Model window: only [vmalloc_model_start(), vmalloc_model_end()) — the first 4 GiB of
// VMALLOC_START — is used, so one top-level slot (and its preallocated second-level table)
// covers it. The caller plays alloc_vmap_area: it picks a free VA range in the window; the
// kernel BUG()s on a vmap over a live PTE, the model reports -EEXIST instead.
#pragma once
#include <cstdint>

#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

constexpr uint64_t kVmallocModelSize = 4ULL << 30;
constexpr unsigned PMD_SHIFT = 21;
constexpr unsigned PUD_SHIFT = 30;
constexpr uint64_t PMD_SIZE = 1ULL << PMD_SHIFT;
constexpr uint64_t PUD_SIZE = 1ULL << PUD_SHIFT;

uint64_t vmalloc_model_start();   // VMALLOC_START of the current kernel's layout
uint64_t vmalloc_model_end();     // exclusive

// vmap_range_noflush(addr, end, phys_addr, prot, max_page_shift): maps [addr, end) to
// [phys_addr, ...) with leaf protection `prot` (e.g. __PAGE_KERNEL), trying PUD then PMD leaves
// (vmap_try_huge_pud/pmd) where max_page_shift, alignment and size allow; a promotion over an
// existing table frees it (pud_free_pmd_page / pmd_free_pte_page). Missing tables come from
// p4d/pud/pmd_alloc and pte_alloc_kernel for init_mm (marked PT_kernel), populated under
// init_mm.page_table_lock. Preconditions: addr, end, phys_addr page aligned, addr < end, range
// inside the model window. May sleep (might_sleep). Returns 0, -ENOMEM or -EEXIST (a live PTE
// in the range), leaving what was mapped so far, as the kernel does.
int vmap_range_noflush(uint64_t addr, uint64_t end, phys_addr_t phys_addr, pteval_t prot,
                       unsigned max_page_shift);

// ioremap_page_range(addr, end, phys_addr, prot): vmap_range_noflush with
// ioremap_max_page_shift (PUD_SHIFT on x86-64), then flush_cache_vmap (nothing on x86).
int ioremap_page_range(uint64_t addr, uint64_t end, phys_addr_t phys_addr, pteval_t prot);

// vunmap_range_noflush(start, end): ptep_get_and_clear of each PTE, pmd_clear_huge /
// pud_clear_huge of leaves; never frees a table and takes no lock.
void vunmap_range_noflush(uint64_t start, uint64_t end);
// vunmap_range(addr, end): vunmap_range_noflush, then flush_tlb_kernel_range(addr, end).
void vunmap_range(uint64_t addr, uint64_t end);

}  // namespace svafuzz::mm
