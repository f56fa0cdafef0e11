// Memory hot-remove's page-table teardown (arch/x86/mm/init_64.c remove_pagetable and
// free_{pte,pmd,pud}_table), free_pagetable, the hotplug lock, and add/remove_memory.
#include "core/mm/memory_hotplug.h"

#include <optional>

#include "core/mm/model_defects.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/tlb.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

constexpr phys_addr_t kSz1G = 1ULL << 30;

void locked_clear(pteval_t* slot) {
  mm_struct& init_mm = kernel().init_mm();
  sync::spin_lock(&init_mm.page_table_lock);
  clear_entry(slot);
  sync::spin_unlock(&init_mm.page_table_lock);
}

bool table_empty(ptdesc* table) {
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    if (!entry_none(read_entry(table_slot(table, i)))) return false;
  }
  return true;
}

// free_pte_table / free_pmd_table / free_pud_table: if every entry is none, free the table
// FIRST (free_pagetable(pmd_page(*pmd), 0)) and only then clear the entry under
// init_mm.page_table_lock. v6.19 order, kept on purpose (docs/model-mm.md).
//
// The proposed fix (kernel_profile.h hot_remove_clear_flush_defer; docs/findings/
// hot-remove-frees-unmarked-tables.md): clear the entry first, flush the CPU TLB (the
// paging-structure caches), then free the table through pagetable_free_kernel, so the
// deferred path's IOMMU invalidation covers it as it covers every vmalloc table. The model's
// hot-remove never frees a bootmem (PT_reserved) table: the boot RAM below 1 GiB is never
// removed, so the tables that map it never empty.
// `kernel_fn` is the kernel function this call stands for (free_pte_table, ...): the free's
// provenance names it.
void free_table_if_empty(ptdesc* table, pteval_t* parent, const char* kernel_fn) {
  if (!table_empty(table)) return;
  const sync::SourceLoc loc = sync::SourceLoc::current(__FILE__, __LINE__, kernel_fn);
  if (kernel().profile().hot_remove_clear_flush_defer) {
    locked_clear(parent);
    flush_tlb_all();
    // Planted defect (model_defects.h hot_remove_frees_at_once): the deferral left out.
    if (model_defects().hot_remove_frees_at_once) {
      __pagetable_free(table, kernel_fn, loc);
      return;
    }
    // As pagetable_free does: a table on the deferred list is unmarked. A CPA split table in
    // the removed range is marked (cpa-split-table-marked); left marked, a design whose worker
    // frees through pagetable_dtor_free (the seed-v3 hunk) re-enters its own queueing under
    // its list lock, a self-deadlock the race-hunt job found on 2026-12-08.
    if (ptdesc_test_kernel(table)) ptdesc_clear_kernel(table);
    pagetable_free_kernel(table, loc);
    return;
  }
  {
    // An unmarked table is released here, still linked: a dangling-table finding unless the
    // harness turned the report of this documented gap off.
    std::optional<TableRefs::KnownGap> known;
    if (!kernel().options().report_hot_remove_gap) known.emplace(kernel().frames().refs(), table);
    free_pagetable(table, loc);
  }
  locked_clear(parent);
}

// remove_pte_table (direct=true): clear each present PTE under the lock, then flush_tlb_all.
void remove_pte_table(ptdesc* pte_page, uint64_t addr, uint64_t end) {
  for (; addr < end; addr += PAGE_SIZE) {
    pteval_t* pte = table_slot(pte_page, pt_index(addr, kPte));
    pteval_t e = read_entry(pte);
    if (!entry_present(e)) continue;
    // "We mapped [0,1G) memory as identity mapping when initializing ... These pagetables
    // cannot be removed."
    if (leaf_phys(e, kPte, addr) < kSz1G) return;
    locked_clear(pte);
  }
  flush_tlb_all();   // "Call free_pte_table() in remove_pmd_table()."
}

void remove_pmd_table(ptdesc* pmd_page, uint64_t addr, uint64_t end) {
  for (uint64_t next; addr < end; addr = next) {
    next = level_addr_end(addr, end, kPmd);
    pteval_t* pmd = table_slot(pmd_page, pt_index(addr, kPmd));
    pteval_t e = read_entry(pmd);
    if (!entry_present(e)) continue;
    if (entry_is_leaf(e, kPmd)) {
      // direct=true: no free_hugepage_table; unaligned large leaves are vmemmap-only.
      if ((addr & (level_size(kPmd) - 1)) == 0 && (next & (level_size(kPmd) - 1)) == 0) {
        locked_clear(pmd);
      }
      continue;
    }
    ptdesc* pte_page = entry_to_ptdesc(e);
    remove_pte_table(pte_page, addr, next);
    free_table_if_empty(pte_page, pmd, "free_pte_table");
  }
}

void remove_pud_table(ptdesc* pud_page, uint64_t addr, uint64_t end) {
  for (uint64_t next; addr < end; addr = next) {
    next = level_addr_end(addr, end, kPud);
    pteval_t* pud = table_slot(pud_page, pt_index(addr, kPud));
    pteval_t e = read_entry(pud);
    if (!entry_present(e)) continue;
    if (entry_is_leaf(e, kPud)) {
      if ((addr & (level_size(kPud) - 1)) == 0 && (next & (level_size(kPud) - 1)) == 0) {
        locked_clear(pud);
      }
      continue;
    }
    ptdesc* pmd_page = entry_to_ptdesc(e);
    remove_pmd_table(pmd_page, addr, next);
    free_table_if_empty(pmd_page, pud, "free_pmd_table");
  }
}

// remove_p4d_table: "For 4-level page tables we do not want to free PUDs, but in the 5-level
// case we should free them."
void remove_p4d_table(pteval_t* pgd, uint64_t addr, uint64_t end) {
  if (!pgtable_l5_enabled()) {
    remove_pud_table(entry_to_ptdesc(read_entry(pgd)), addr, end);
    return;
  }
  ptdesc* p4d_page = entry_to_ptdesc(read_entry(pgd));
  for (uint64_t next; addr < end; addr = next) {
    next = level_addr_end(addr, end, kP4d);
    pteval_t* p4d = table_slot(p4d_page, pt_index(addr, kP4d));
    pteval_t e = read_entry(p4d);
    if (!entry_present(e)) continue;
    ptdesc* pud_page = entry_to_ptdesc(e);
    remove_pud_table(pud_page, addr, next);
    free_table_if_empty(pud_page, p4d, "free_pud_table");
  }
}

bool range_ok(phys_addr_t start, uint64_t size) {
  const uint64_t m = level_size(kPmd) - 1;
  return size != 0 && (start & m) == 0 && (size & m) == 0 && start >= kSz1G &&
         start + size <= kHotplugPhysLimit && start + size > start;
}

}  // namespace

void free_pagetable(ptdesc* pt, sync::SourceLoc loc) {
  if (sync::test_bit(PT_reserved, &pt->flags)) {
    // PageReserved: bootmem; free_reserved_pages(page, 1 << order). No deferral.
    __pagetable_free(pt, "free_reserved_pages", loc);
    return;
  }
  pagetable_free(pt, loc);   // bf9e4e30f353: was __free_pages(page, order)
}

void kernel_physical_mapping_remove(phys_addr_t start, phys_addr_t end) {
  const KernelLayout& l = kernel().layout();
  const uint64_t va_end = l.direct_map(end);
  for (uint64_t addr = l.direct_map(start), next; addr < va_end; addr = next) {
    next = level_addr_end(addr, va_end, pgd_level());
    pteval_t* pgd = pgd_offset_k(addr);
    if (!entry_present(read_entry(pgd))) continue;
    remove_p4d_table(pgd, addr, next);
  }
  flush_tlb_all();
}

void mem_hotplug_begin() { sync::mutex_lock(&kernel().mem_hotplug_lock()); }
void mem_hotplug_done() { sync::mutex_unlock(&kernel().mem_hotplug_lock()); }
void get_online_mems() { sync::mutex_lock(&kernel().mem_hotplug_lock()); }
void put_online_mems() { sync::mutex_unlock(&kernel().mem_hotplug_lock()); }

int add_memory(phys_addr_t start, uint64_t size, bool use_4k) {
  if (!range_ok(start, size)) return -kEINVAL;
  mem_hotplug_begin();
  // arch_add_memory -> init_memory_mapping(start, start + size, PAGE_KERNEL)
  int err = kernel_physical_mapping_init(start, start + size, !use_4k);
  mem_hotplug_done();
  return err;
}

int remove_memory(phys_addr_t start, uint64_t size) {
  if (!range_ok(start, size)) return -kEINVAL;
  mem_hotplug_begin();
  kernel_physical_mapping_remove(start, start + size);   // arch_remove_memory
  mem_hotplug_done();
  return 0;
}

}  // namespace svafuzz::mm
