// vmap_range_noflush and vunmap_range (mm/vmalloc.c) over the model's vmalloc window.
#include "core/mm/vmalloc.h"

#include "core/mm/huge_vmap.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/tlb.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

// The number of level-`level` entries that cover [addr, end): the points a scan of them takes,
// granted beyond the step budget (sync::grant_steps: a 1 GiB range is 262,144 PTEs).
uint64_t entries_in_range(uint64_t addr, uint64_t end, int level) {
  const uint64_t size = level_size(level);
  return (end - (addr & ~(size - 1)) + size - 1) / size;
}

// Model-only guard standing in for alloc_vmap_area's guarantee that the range is free: true
// if any leaf is present in [addr, end) below the level-`level` table `table`.
bool has_leaf(ptdesc* table, int level, uint64_t addr, uint64_t end) {
  sync::grant_steps(entries_in_range(addr, end, level));
  for (uint64_t next; addr < end; addr = next) {
    next = level_addr_end(addr, end, level);
    pteval_t e = read_entry(table_slot(table, pt_index(addr, level)));
    if (!entry_present(e)) continue;
    if (entry_is_leaf(e, level)) return true;
    if (has_leaf(entry_to_ptdesc(e), level - 1, addr, next)) return true;
  }
  return false;
}

int vmap_pte_range(pteval_t* pmd, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                   pteval_t prot) {
  pteval_t* pte = pte_alloc_kernel(pmd, addr);
  if (!pte) return -kENOMEM;
  sync::grant_steps(entries_in_range(addr, end, kPte));
  for (; addr != end; ++pte, addr += PAGE_SIZE, phys_addr += PAGE_SIZE) {
    // BUG_ON(!pte_none(ptep_get(pte))): excluded by the has_leaf guard.
    write_entry(pte, (phys_addr & PTE_PFN_MASK) | prot);   // set_pte_at(&init_mm, ...)
  }
  return 0;
}

int vmap_pmd_range(pteval_t* pud, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                   pteval_t prot, unsigned max_page_shift) {
  pteval_t* pmd = pmd_alloc(&kernel().init_mm(), pud, addr);
  if (!pmd) return -kENOMEM;
  for (uint64_t next; addr != end; ++pmd, phys_addr += next - addr, addr = next) {
    next = level_addr_end(addr, end, kPmd);
    if (vmap_try_huge_pmd(pmd, addr, next, phys_addr, prot, max_page_shift)) continue;
    if (vmap_pte_range(pmd, addr, next, phys_addr, prot)) return -kENOMEM;
  }
  return 0;
}

int vmap_pud_range(pteval_t* p4d, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                   pteval_t prot, unsigned max_page_shift) {
  pteval_t* pud = pud_alloc(&kernel().init_mm(), p4d, addr);
  if (!pud) return -kENOMEM;
  for (uint64_t next; addr != end; ++pud, phys_addr += next - addr, addr = next) {
    next = level_addr_end(addr, end, kPud);
    if (vmap_try_huge_pud(pud, addr, next, phys_addr, prot, max_page_shift)) continue;
    if (vmap_pmd_range(pud, addr, next, phys_addr, prot, max_page_shift)) return -kENOMEM;
  }
  return 0;
}

// vmap_p4d_range: the P4D level exists only with LA57 (vmap_try_huge_p4d is never taken on
// x86: arch_vmap_p4d_supported is false).
int vmap_p4d_range(pteval_t* pgd, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                   pteval_t prot, unsigned max_page_shift) {
  pteval_t* p4d = p4d_alloc(&kernel().init_mm(), pgd, addr);
  if (!p4d) return -kENOMEM;
  if (!pgtable_l5_enabled()) return vmap_pud_range(p4d, addr, end, phys_addr, prot, max_page_shift);
  for (uint64_t next; addr != end; ++p4d, phys_addr += next - addr, addr = next) {
    next = level_addr_end(addr, end, kP4d);
    if (int err = vmap_pud_range(p4d, addr, next, phys_addr, prot, max_page_shift)) return err;
  }
  return 0;
}

void vunmap_pte_range(pteval_t* pmd, uint64_t addr, uint64_t end) {
  pteval_t* pte = table_offset(read_entry(pmd), kPte, addr);   // pte_offset_kernel
  sync::grant_steps(entries_in_range(addr, end, kPte));
  for (; addr != end; ++pte, addr += PAGE_SIZE) clear_entry(pte);   // ptep_get_and_clear
}

// pmd_clear_huge / pud_clear_huge: clear a leaf entry, report whether it was one.
bool clear_huge(pteval_t* slot, int level) {
  pteval_t e = read_entry(slot);
  if (!entry_present(e) || !entry_is_leaf(e, level)) return false;
  clear_entry(slot);
  return true;
}

void vunmap_pmd_range(pteval_t* pud, uint64_t addr, uint64_t end) {
  pteval_t* pmd = table_offset(read_entry(pud), kPmd, addr);
  for (uint64_t next; addr != end; ++pmd, addr = next) {
    next = level_addr_end(addr, end, kPmd);
    if (clear_huge(pmd, kPmd)) continue;   // WARN_ON(next - addr < PMD_SIZE)
    if (entry_none(read_entry(pmd))) continue;
    vunmap_pte_range(pmd, addr, next);
  }
}

void vunmap_pud_range(pteval_t* p4d, uint64_t addr, uint64_t end) {
  pteval_t* pud = table_offset(read_entry(p4d), kPud, addr);
  for (uint64_t next; addr != end; ++pud, addr = next) {
    next = level_addr_end(addr, end, kPud);
    if (clear_huge(pud, kPud)) continue;
    if (entry_none(read_entry(pud))) continue;
    vunmap_pmd_range(pud, addr, next);
  }
}

void vunmap_p4d_range(pteval_t* pgd, uint64_t addr, uint64_t end) {
  if (!pgtable_l5_enabled()) return vunmap_pud_range(pgd, addr, end);
  pteval_t* p4d = table_offset(read_entry(pgd), kP4d, addr);
  for (uint64_t next; addr != end; ++p4d, addr = next) {
    next = level_addr_end(addr, end, kP4d);
    if (entry_none(read_entry(p4d))) continue;
    vunmap_pud_range(p4d, addr, next);
  }
}

}  // namespace

uint64_t vmalloc_model_start() { return kernel().layout().vmalloc_start; }
uint64_t vmalloc_model_end() { return vmalloc_model_start() + kVmallocModelSize; }

int vmap_range_noflush(uint64_t addr, uint64_t end, phys_addr_t phys_addr, pteval_t prot,
                       unsigned max_page_shift) {
  might_sleep();
  if (has_leaf(kernel().init_mm().pgd, pgd_level(), addr, end)) return -kEEXIST;
  for (uint64_t next; addr != end; phys_addr += next - addr, addr = next) {
    next = level_addr_end(addr, end, pgd_level());
    if (int err = vmap_p4d_range(pgd_offset_k(addr), addr, next, phys_addr, prot, max_page_shift))
      return err;
  }
  // ARCH_PAGE_TABLE_SYNC_MASK work (arch_sync_kernel_mappings) never triggers: the model's
  // top-level entries are populated at boot.
  return 0;
}

int ioremap_page_range(uint64_t addr, uint64_t end, phys_addr_t phys_addr, pteval_t prot) {
  return vmap_range_noflush(addr, end, phys_addr, prot, PUD_SHIFT);
}

void vunmap_range_noflush(uint64_t start, uint64_t end) {
  for (uint64_t addr = start, next; addr != end; addr = next) {
    next = level_addr_end(addr, end, pgd_level());
    pteval_t* pgd = pgd_offset_k(addr);
    if (entry_none(read_entry(pgd))) continue;   // pgd_none_or_clear_bad
    vunmap_p4d_range(pgd, addr, next);
  }
}

void vunmap_range(uint64_t addr, uint64_t end) {
  vunmap_range_noflush(addr, end);   // flush_cache_vunmap is a no-op on x86
  flush_tlb_kernel_range(addr, end);
}

}  // namespace svafuzz::mm
