// __p?d_alloc / __pte_alloc_kernel / pmd_install: publish a fresh table under page_table_lock.
#include "core/mm/pgtable_alloc.h"

#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

ptdesc* alloc_one(mm_struct* mm, int level, const char* what) {
  switch (level) {
    case kPte: return mm == &kernel().init_mm() ? __pte_alloc_one_kernel(mm, what)
                                                : pte_alloc_one(mm, what);
    case kPmd: return pmd_alloc_one(mm, what);
    case kPud: return pud_alloc_one(mm, what);
    default: return p4d_alloc_one(mm, what);
  }
}

void free_one(mm_struct* mm, int level, ptdesc* pt) {
  switch (level) {
    case kPte:
      if (mm == &kernel().init_mm()) pte_free_kernel(mm, pt); else pte_free(mm, pt);
      return;
    case kPmd: pmd_free(mm, pt); return;
    case kPud: pud_free(mm, pt); return;
    default: p4d_free(mm, pt); return;
  }
}

// The common body of __p4d_alloc, __pud_alloc, __pmd_alloc (mm/memory.c) and
// __pte_alloc_kernel / __pte_alloc + pmd_install: allocate, then populate under the lock
// unless another agent got there first, in which case free ours. As in mm/memory.c, the upper
// levels test p?d_present and free the loser inside the lock (so a marked init_mm table
// reaches pagetable_free_kernel under init_mm.page_table_lock); the PTE level tests pmd_none
// and frees after the unlock.
int table_alloc(mm_struct* mm, pteval_t* slot, int level, const char* what) {
  ptdesc* table = alloc_one(mm, level, what);
  if (!table) return -kENOMEM;
  const bool pte_level = level == kPte;
  sync::spin_lock(&mm->page_table_lock);
  pteval_t e = read_entry(slot);
  const bool populated = pte_level ? !entry_none(e) : entry_present(e);
  if (!populated) {
    smp_wmb();   // "See comment in pmd_install()": table zeroing before the publish.
    write_entry(slot, populate_entry(table, level, mm == &kernel().init_mm()));
    table = nullptr;
  } else if (!pte_level) {
    free_one(mm, level, table);   // p4d_free / pud_free / pmd_free under the lock
    table = nullptr;
  }
  sync::spin_unlock(&mm->page_table_lock);
  if (table) free_one(mm, level, table);   // pte_free_kernel / pte_free after the unlock
  return 0;
}

pteval_t* alloc_then_offset(mm_struct* mm, pteval_t* slot, int level, uint64_t va,
                            const char* what) {
  if (entry_none(read_entry(slot)) && table_alloc(mm, slot, level, what) != 0) return nullptr;
  return table_offset(read_entry(slot), level, va);
}

}  // namespace

pteval_t* p4d_alloc(mm_struct* mm, pteval_t* pgd, uint64_t va) {
  if (!pgtable_l5_enabled()) return pgd;
  return alloc_then_offset(mm, pgd, kP4d, va, "__p4d_alloc");
}

pteval_t* pud_alloc(mm_struct* mm, pteval_t* p4d, uint64_t va) {
  return alloc_then_offset(mm, p4d, kPud, va, "__pud_alloc");
}

pteval_t* pmd_alloc(mm_struct* mm, pteval_t* pud, uint64_t va) {
  return alloc_then_offset(mm, pud, kPmd, va, "__pmd_alloc");
}

pteval_t* pte_alloc_kernel(pteval_t* pmd, uint64_t va) {
  return alloc_then_offset(&kernel().init_mm(), pmd, kPte, va, "__pte_alloc_kernel");
}

pteval_t* pte_alloc_map(mm_struct* mm, pteval_t* pmd, uint64_t va) {
  return alloc_then_offset(mm, pmd, kPte, va, "__pte_alloc");
}

}  // namespace svafuzz::mm
