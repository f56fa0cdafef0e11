// Change of page attributes on the direct map (arch/x86/mm/pat/set_memory.c, v6.19): split of
// a 2 MiB leaf into a PTE table, in-place change of 4 KiB or whole 2 MiB leaves, and
// cpa_collapse_large_pages, which restores large pages and frees the PTE tables
// (docs/kernel-sources.md item 6).
//
// split_large_page's table comes from a bare alloc_pages(GFP_KERNEL, 0): never marked
// PT_kernel, so the collapse's pagetable_free goes straight to __pagetable_free, with no
// deferral and no IOMMU invalidation, after one flush_tlb_all (the v6.19 gap the model keeps).
// Locks: __change_page_attr runs under cpa_lock (dropped around the allocation); the split's
// publish and the collapse run under pgd_lock; nothing excludes ptdump (no init_mm lock in
// v6.19). No 1 GiB direct-map pages (direct_gbpages off), so collapse_pud_page never fires.
#pragma once
#include <cstdint>

#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

// lookup_address(address, &level): the init_mm slot mapping `address` (a leaf or the none
// entry where the walk stopped) and its level; nullptr if the walk met a none upper entry.
pteval_t* lookup_address(uint64_t address, int* level);

// change_page_attr_set_clr(&addr, numpages, mask_set, mask_clr, force_split, CPA_COLLAPSE?):
// for each page of [addr, addr + numpages * 4 KiB) of the direct map: under cpa_lock,
// __change_page_attr (should_split_large_page under pgd_lock; split_large_page when the change
// does not cover a 2 MiB leaf whole, or always with force_split). Then, only if an entry
// changed (CPA_FLUSHTLB): on error flush_tlb_all (cpa_flush_all); else cpa_flush, i.e. a
// flush_tlb_kernel_range of the range (flush_tlb_all above 33 pages) followed, with
// `collapse`, by cpa_collapse_large_pages. Preconditions: addr page aligned. Returns 0,
// -ENOMEM or -EFAULT (a page not mapped). May sleep (the split's allocation).
// Scheduling points: the locks, every entry access, the flushes.
int change_page_attr_set_clr(uint64_t addr, int numpages, pteval_t mask_set, pteval_t mask_clr,
                             bool force_split, bool collapse);

// set_memory_4k(addr, numpages): force_split only.
int set_memory_4k(uint64_t addr, int numpages);

// cpa_collapse_large_pages for [addr & PMD_MASK, addr + numpages * 4 KiB): collapse each
// compatible PTE table under pgd_lock, then, if any collapsed, flush_tlb_all() and
// pagetable_free() each collected table. Returns the number of tables collapsed.
int cpa_collapse_large_pages(uint64_t addr, int numpages);

}  // namespace svafuzz::mm
