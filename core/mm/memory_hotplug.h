// The direct map's page tables: building them (kernel_physical_mapping_init, at boot and for
// memory hot-add) and tearing them down (kernel_physical_mapping_remove / remove_pagetable,
// for memory hot-remove), as arch/x86/mm/init_64.c does in v6.19 (docs/kernel-sources.md
// item 5).
//
// Tables come from alloc_low_page(): memblock at boot (reserved, unmarked), a bare
// __get_free_pages after boot (unmarked). Hot-remove frees them through free_pagetable() ->
// pagetable_free(), which sends unmarked tables straight to __pagetable_free: no deferral, no
// IOMMU invalidation, and the free comes BEFORE the entry is cleared (free_pte_table,
// free_pmd_table, free_pud_table). These are the v6.19 gaps the model keeps on purpose.
//
// Layout constraints of the model: no 1 GiB direct-map pages (direct_gbpages off); the
// top-level (and, with LA57, P4D) entries of the direct map are created at boot, so hot-add
// of PAs below 512 GiB never changes a pgd entry and no sync_global_pgds is needed; the
// vmemmap is not modelled (remove_pagetable runs with direct=true only).
#pragma once
#include <cstdint>

#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"
#include "core/sync/event.h"

namespace svafuzz::mm {

// Largest PA the model's hot-add accepts (one 512 GiB direct-map P4D/PGD slot).
constexpr phys_addr_t kHotplugPhysLimit = 512ULL << 30;

// kernel_physical_mapping_init(paddr_start, paddr_end, ...): map [start, end) of the direct
// map with __PAGE_KERNEL, in 2 MiB pages (use_2m) or 4 KiB pages. Start and end must be
// 2 MiB aligned. Entries already present are left alone, as phys_*_init do.
// Locks: takes init_mm.page_table_lock around each populate; expects the caller to hold
// mem_hotplug_lock after boot. `after_bootmem` false: tables come from memblock (PT_reserved).
// Returns 0 or -ENOMEM.
int kernel_physical_mapping_init(phys_addr_t start, phys_addr_t end, bool use_2m,
                                 bool after_bootmem = true);

// kernel_physical_mapping_remove(start, end) -> remove_pagetable(__va(start), __va(end),
// direct=true): clears leaves, frees emptied tables (free-then-clear), flush_tlb_all after
// each PTE table's leaves and once at the end. Expects mem_hotplug_lock held.
void kernel_physical_mapping_remove(phys_addr_t start, phys_addr_t end);

// free_pagetable(page, 0): bootmem (PT_reserved) -> free_reserved_pages; else
// pagetable_free(page_ptdesc(page)). `loc` (the caller) is the release's call site in reports.
void free_pagetable(ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);

// mem_hotplug_begin/done (writers) and get/put_online_mems (readers), on
// Kernel::mem_hotplug_lock. May sleep.
void mem_hotplug_begin();
void mem_hotplug_done();
void get_online_mems();
void put_online_mems();

// add_memory -> add_memory_resource -> arch_add_memory -> init_memory_mapping: maps
// [start, start+size) under mem_hotplug_begin/done. `start`/`size` 2 MiB aligned, start >= 1 GiB,
// start+size <= kHotplugPhysLimit, and not overlapping a mapped range (else -EINVAL, nothing
// done). `use_4k` models a mapping without PSE (debug_pagealloc), so PTE tables exist.
int add_memory(phys_addr_t start, uint64_t size, bool use_4k);

// remove_memory -> try_remove_memory -> arch_remove_memory -> kernel_physical_mapping_remove,
// under mem_hotplug_begin/done. Same alignment rules as add_memory.
int remove_memory(phys_addr_t start, uint64_t size);

}  // namespace svafuzz::mm
