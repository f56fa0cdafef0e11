// mmap_user_page / munmap_user_page on a user mm.
#include "core/mm/user_mm.h"

#include "core/mm/mmap_lock.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/tlb.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

bool user_addr_ok(mm_struct* mm, uint64_t addr) {
  Kernel& k = kernel();
  return mm != &k.init_mm() && (addr & (PAGE_SIZE - 1)) == 0 && addr < k.layout().user_end;
}

// The PTE slot of `addr` without allocating, and the pmd slot above it; nullptr if a table
// on the way is missing.
pteval_t* user_pte_lookup(mm_struct* mm, uint64_t addr, pteval_t** pmd_out) {
  pteval_t* slot = pgd_offset(mm, addr);
  for (int l = pgd_level(); l > kPte; --l) {
    pteval_t e = read_entry(slot);
    if (!entry_present(e) || entry_is_leaf(e, l)) return nullptr;
    if (l == kPmd) *pmd_out = slot;
    slot = table_offset(e, l - 1, addr);
  }
  return slot;
}

bool table_empty(ptdesc* table) {
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    if (!entry_none(read_entry(table_slot(table, i)))) return false;
  }
  return true;
}

ptdesc* map_locked(mm_struct* mm, uint64_t addr, bool writable) {
  pteval_t* p4d = p4d_alloc(mm, pgd_offset(mm, addr), addr);
  pteval_t* pud = p4d ? pud_alloc(mm, p4d, addr) : nullptr;
  pteval_t* pmd = pud ? pmd_alloc(mm, pud, addr) : nullptr;
  pteval_t* pte = pmd ? pte_alloc_map(mm, pmd, addr) : nullptr;
  if (!pte) return nullptr;
  ptdesc* page = __get_free_page("do_anonymous_page");
  if (!page) return nullptr;
  pteval_t prot = writable ? PAGE_SHARED_USER : (PAGE_SHARED_USER & ~_PAGE_RW);
  bool installed = false;
  sync::spin_lock(&mm->page_table_lock);   // pte_offset_map_lock
  if (entry_none(read_entry(pte))) {
    write_entry(pte, page->phys() | prot);   // set_pte_at
    installed = true;
  }
  sync::spin_unlock(&mm->page_table_lock);
  if (!installed) {
    free_page(page, "do_anonymous_page");
    return nullptr;
  }
  return page;
}

}  // namespace

ptdesc* mmap_user_page(mm_struct* mm, uint64_t addr, bool writable) {
  if (!user_addr_ok(mm, addr)) return nullptr;
  mmap_write_lock(mm);
  ptdesc* page = map_locked(mm, addr, writable);
  mmap_write_unlock(mm);
  return page;
}

int munmap_user_page(mm_struct* mm, uint64_t addr, bool free_empty_table) {
  if (!user_addr_ok(mm, addr)) return -kEINVAL;
  mmap_write_lock(mm);
  pteval_t* pmd = nullptr;
  pteval_t* pte = user_pte_lookup(mm, addr, &pmd);
  pteval_t old = 0;
  ptdesc* table = nullptr;
  if (pte) {
    sync::spin_lock(&mm->page_table_lock);
    old = read_entry(pte);   // ptep_get_and_clear_full (zap_pte_range)
    clear_entry(pte);
    sync::spin_unlock(&mm->page_table_lock);
  }
  if (!entry_present(old)) {
    mmap_write_unlock(mm);
    return -kEINVAL;
  }
  if (free_empty_table) {
    ptdesc* pt = entry_to_ptdesc(read_entry(pmd));
    if (table_empty(pt)) {   // free_pgtables -> free_pte_range: pmd_clear, pte_free_tlb
      clear_entry(pmd);
      table = pt;
    }
  }
  // tlb_finish_mmu: flush (incl. the secondary TLBs), then free the gathered pages/tables.
  flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE);
  free_page(kernel().frames().phys_to_ptdesc(entry_phys(old)), "tlb_batch_pages_flush");
  if (table) pte_free(mm, table);
  mmap_write_unlock(mm);
  return 0;
}

}  // namespace svafuzz::mm
