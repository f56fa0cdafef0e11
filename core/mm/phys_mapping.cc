// kernel_physical_mapping_init and its phys_{p4d,pud,pmd,pte}_init helpers
// (arch/x86/mm/init_64.c), with alloc_low_page() for their tables.
#include <cassert>

#include "core/mm/memory_hotplug.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

struct MapCtx {
  phys_addr_t paddr_end;
  bool use_2m;
  bool after_bootmem;
};

uint64_t va_of(phys_addr_t pa) { return kernel().layout().direct_map(pa); }

// alloc_low_page(): memblock before after_bootmem (a reserved boot table), afterwards
// __get_free_pages(GFP_ATOMIC | __GFP_ZERO): a bare page, never marked PT_kernel.
ptdesc* alloc_low_page(int level, const MapCtx& c) {
  ptdesc* pt = pagetable_alloc(level, &kernel().init_mm(),
                               c.after_bootmem ? "alloc_low_pages" : "memblock_alloc");
  if (pt && !c.after_bootmem) sync::set_bit(PT_reserved, &pt->flags);
  return pt;
}

void locked_set(pteval_t* slot, pteval_t v) {
  mm_struct& init_mm = kernel().init_mm();
  sync::spin_lock(&init_mm.page_table_lock);
  write_entry(slot, v);
  sync::spin_unlock(&init_mm.page_table_lock);
}

// phys_pte_init: set_pte_init for every none PTE of the range inside this table.
void phys_pte_init(ptdesc* pte_page, phys_addr_t paddr, const MapCtx& c) {
  for (unsigned i = pt_index(va_of(paddr), kPte); i < PTRS_PER_TABLE && paddr < c.paddr_end;
       ++i, paddr += PAGE_SIZE) {
    pteval_t* pte = table_slot(pte_page, i);
    if (!entry_none(read_entry(pte))) continue;
    write_entry(pte, (paddr & PTE_PFN_MASK) | __PAGE_KERNEL);
  }
}

int phys_pmd_init(ptdesc* pmd_page, phys_addr_t paddr, const MapCtx& c) {
  for (unsigned i = pt_index(va_of(paddr), kPmd); i < PTRS_PER_TABLE && paddr < c.paddr_end;
       ++i, paddr = (paddr & ~(level_size(kPmd) - 1)) + level_size(kPmd)) {
    pteval_t* pmd = table_slot(pmd_page, i);
    pteval_t e = read_entry(pmd);
    if (!entry_none(e)) {
      if (entry_is_leaf(e, kPmd)) continue;   // already mapped large: "pages++; continue"
      mm_struct& init_mm = kernel().init_mm();
      sync::spin_lock(&init_mm.page_table_lock);
      phys_pte_init(entry_to_ptdesc(e), paddr, c);
      sync::spin_unlock(&init_mm.page_table_lock);
      continue;
    }
    if (c.use_2m) {
      locked_set(pmd, (paddr & PTE_PFN_MASK) | __PAGE_KERNEL_LARGE);
      continue;
    }
    ptdesc* pte = alloc_low_page(kPte, c);
    if (!pte) return -kENOMEM;
    phys_pte_init(pte, paddr, c);
    locked_set(pmd, populate_entry(pte, kPte, true));   // pmd_populate_kernel_init
  }
  return 0;
}

int phys_pud_init(ptdesc* pud_page, phys_addr_t paddr, const MapCtx& c) {
  for (unsigned i = pt_index(va_of(paddr), kPud); i < PTRS_PER_TABLE && paddr < c.paddr_end;
       ++i, paddr = (paddr & ~(level_size(kPud) - 1)) + level_size(kPud)) {
    pteval_t* pud = table_slot(pud_page, i);
    pteval_t e = read_entry(pud);
    if (!entry_none(e)) {
      assert(!entry_is_leaf(e, kPud) && "model has no 1 GiB direct-map pages");
      if (int err = phys_pmd_init(entry_to_ptdesc(e), paddr, c)) return err;
      continue;
    }
    ptdesc* pmd = alloc_low_page(kPmd, c);
    if (!pmd) return -kENOMEM;
    int err = phys_pmd_init(pmd, paddr, c);
    locked_set(pud, populate_entry(pmd, kPmd, true));   // pud_populate_init
    if (err) return err;
  }
  return 0;
}

// phys_p4d_init: with 4-level paging the "p4d page" is the PUD table.
int phys_p4d_init(ptdesc* p4d_page, phys_addr_t paddr, const MapCtx& c) {
  if (!pgtable_l5_enabled()) return phys_pud_init(p4d_page, paddr, c);
  for (unsigned i = pt_index(va_of(paddr), kP4d); i < PTRS_PER_TABLE && paddr < c.paddr_end;
       ++i, paddr = (paddr & ~(level_size(kP4d) - 1)) + level_size(kP4d)) {
    pteval_t* p4d = table_slot(p4d_page, i);
    pteval_t e = read_entry(p4d);
    if (!entry_none(e)) {
      if (int err = phys_pud_init(entry_to_ptdesc(e), paddr, c)) return err;
      continue;
    }
    ptdesc* pud = alloc_low_page(kPud, c);
    if (!pud) return -kENOMEM;
    int err = phys_pud_init(pud, paddr, c);
    locked_set(p4d, populate_entry(pud, kPud, true));   // p4d_populate_init
    if (err) return err;
  }
  return 0;
}

}  // namespace

int kernel_physical_mapping_init(phys_addr_t start, phys_addr_t end, bool use_2m,
                                 bool after_bootmem) {
  MapCtx c{end, use_2m, after_bootmem};
  const int top = pgd_level();
  for (phys_addr_t paddr = start; paddr < end;
       paddr = (paddr & ~(level_size(top) - 1)) + level_size(top)) {
    pteval_t* pgd = pgd_offset_k(va_of(paddr));
    pteval_t e = read_entry(pgd);
    if (!entry_none(e)) {
      if (int err = phys_p4d_init(entry_to_ptdesc(e), paddr, c)) return err;
      continue;
    }
    // A new pgd entry would need sync_global_pgds; the model creates them only at boot.
    assert(!after_bootmem && "model layout: pgd entries never change after boot");
    ptdesc* p4d = alloc_low_page(top - 1, c);
    if (!p4d) return -kENOMEM;
    int err = phys_p4d_init(p4d, paddr, c);
    locked_set(pgd, populate_entry(p4d, top - 1, true));   // pgd/p4d_populate_init
    if (err) return err;
  }
  return 0;
}

}  // namespace svafuzz::mm
