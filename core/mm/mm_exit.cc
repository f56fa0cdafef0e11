// exit_mmap, mmgrab and mmdrop (mm_exit.h).
#include "core/mm/mm_exit.h"

#include <vector>

#include "core/mm/kernel.h"
#include "core/mm/mmap_lock.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable.h"
#include "core/mm/tlb.h"

namespace svafuzz::mm {
namespace {

// zap_pte_range over one user table subtree of `level`: clears every present leaf under
// page_table_lock and collects the data pages for the free after the flush.
void zap_user_tables(mm_struct* mm, ptdesc* table, int level, std::vector<ptdesc*>* pages) {
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t* slot = table_slot(table, i);
    pteval_t e = read_entry(slot);
    if (!entry_present(e)) continue;
    if (level > kPte && !entry_is_leaf(e, level)) {
      zap_user_tables(mm, entry_to_ptdesc(e), level - 1, pages);
      continue;
    }
    sync::spin_lock(&mm->page_table_lock);
    clear_entry(slot);
    sync::spin_unlock(&mm->page_table_lock);
    if (ptdesc* page = kernel().frames().phys_to_ptdesc(entry_phys(e))) pages->push_back(page);
  }
}

// free_pgtables below `table` (of `level`): each child table is unlinked, then freed.
void free_user_tables(mm_struct* mm, ptdesc* table, int level) {
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t* slot = table_slot(table, i);
    pteval_t e = read_entry(slot);
    if (!entry_present(e) || entry_is_leaf(e, level) || level <= kPte) continue;
    ptdesc* child = entry_to_ptdesc(e);
    free_user_tables(mm, child, level - 1);
    clear_entry(slot);
    pagetable_free(child);   // user tables are never marked: freed at once
  }
}

// __mmdrop: the last reference is gone.
void __mmdrop(mm_struct* mm) {
  Kernel& k = kernel();
  if (k.hooks().mm_pasid_drop) k.hooks().mm_pasid_drop(mm);
  std::unique_ptr<mm_struct> owned = k.mm_unlist(mm);   // pgd_list_del before the pgd goes
  ptdesc* pgd = mm->pgd;
  mm->pgd = nullptr;
  if (pgd) pagetable_free(pgd);   // pgd_free (a user pgd is never marked)
}

}  // namespace

void exit_mmap(mm_struct* mm) {
  Kernel& k = kernel();
  if (k.hooks().mm_release) k.hooks().mm_release(mm);   // mmu_notifier_release
  mm->notifiers_released.store(true, std::memory_order_release);
  mmap_write_lock(mm);   // mmap_read_lock + the write lock for free_pgtables
  std::vector<ptdesc*> pages;
  unsigned user_entries = k.layout().kernel_pgd_boundary;
  for (unsigned i = 0; i < user_entries; ++i) {
    pteval_t e = read_entry(table_slot(mm->pgd, i));
    if (entry_present(e)) zap_user_tables(mm, entry_to_ptdesc(e), k.levels() - 1, &pages);
  }
  flush_tlb_mm_range(mm, 0, k.layout().user_end);   // tlb_finish_mmu (notifiers released)
  for (ptdesc* page : pages) free_page(page, "exit_mmap");
  for (unsigned i = 0; i < user_entries; ++i) {
    pteval_t* slot = table_slot(mm->pgd, i);
    pteval_t e = read_entry(slot);
    if (!entry_present(e)) continue;
    ptdesc* child = entry_to_ptdesc(e);
    free_user_tables(mm, child, k.levels() - 1);
    clear_entry(slot);
    pagetable_free(child);
  }
  mmap_write_unlock(mm);
}

void mmgrab(mm_struct* mm) { mm->mm_count.fetch_add(1, std::memory_order_acq_rel); }

void mmdrop(mm_struct* mm) {
  if (mm->mm_count.fetch_sub(1, std::memory_order_acq_rel) == 1) __mmdrop(mm);
}

}  // namespace svafuzz::mm
