// Navigating the radix tables the way kernel code does: pgd_offset_k, p?d_offset,
// p?d_addr_end, and the *_populate entry values (arch/x86/include/asm/pgalloc.h,
// include/linux/pgtable.h). Kernel-side code trusts its own tables, so these helpers do no
// type/provenance check (walkers use frame_check_table for that). With 4-level paging the P4D
// level is folded: p4d_offset(pgd, va) is the pgd slot itself.
#pragma once
#include <cassert>

#include "core/mm/kernel.h"
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable.h"

namespace svafuzz::mm {

// The hardware level of mm->pgd: 4 (PML4) or 5 (PML5 with LA57).
inline int pgd_level() { return kernel().levels(); }
inline bool pgtable_l5_enabled() { return kernel().levels() == 5; }

// pgd_offset(mm, va): the top-level slot for `va` in `mm`'s pgd.
inline pteval_t* pgd_offset(mm_struct* mm, uint64_t va) {
  return table_slot(mm->pgd, pt_index(va, pgd_level()));
}
inline pteval_t* pgd_offset_k(uint64_t va) { return pgd_offset(&kernel().init_mm(), va); }

// The slot for `va` in the level-`level` table that the present non-leaf entry `e` points at
// (p4d_offset/pud_offset/pmd_offset/pte_offset_kernel).
inline pteval_t* table_offset(pteval_t e, int level, uint64_t va) {
  ptdesc* pt = entry_to_ptdesc(e);
  assert(pt && "table entry points outside the frame pool");
  return table_slot(pt, pt_index(va, level));
}

// p4d_offset: with 4-level paging the p4d is the pgd slot.
inline pteval_t* p4d_offset(pteval_t* pgd, uint64_t va) {
  if (!pgtable_l5_enabled()) return pgd;
  return table_offset(read_entry(pgd), kP4d, va);
}

// pgd_addr_end & co: the end of the level-`level` block holding `addr`, clamped to `end`.
inline uint64_t level_addr_end(uint64_t addr, uint64_t end, int level) {
  uint64_t boundary = (addr + level_size(level)) & ~(level_size(level) - 1);
  return (boundary - 1 < end - 1) ? boundary : end;
}

// Entry values written by the populate helpers. x86 pgd/p4d/pud_populate use _PAGE_TABLE (U/S
// set, even for init_mm); pmd_populate_kernel uses _KERNPG_TABLE; user pmd_populate uses
// _PAGE_TABLE.
inline pteval_t populate_entry(const ptdesc* table, int table_level, bool kernel_pte_table) {
  return mk_table_entry(table, (table_level == kPte && kernel_pte_table) ? _KERNPG_TABLE
                                                                        : _PAGE_TABLE);
}

// The offset of `va` within a leaf of `level`, and the leaf's base PA.
inline phys_addr_t leaf_phys(pteval_t e, int level, uint64_t va) {
  uint64_t mask = level_size(level) - 1;
  return (entry_phys(e) & ~mask) | (va & mask);
}

inline bool entry_none(pteval_t e) { return e == 0; }

}  // namespace svafuzz::mm
