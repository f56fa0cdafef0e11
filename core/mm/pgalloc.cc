// Allocation with marking, and the pagetable_free dispatch.
#include "core/mm/pgalloc.h"

#include "core/mm/kernel.h"
#include "core/sync/atomic.h"

namespace svafuzz::mm {

void ptdesc_set_kernel(ptdesc* pt) { sync::set_bit(PT_kernel, &pt->flags); }
void ptdesc_clear_kernel(ptdesc* pt) { sync::clear_bit(PT_kernel, &pt->flags); }
bool ptdesc_test_kernel(ptdesc* pt) { return sync::test_bit(PT_kernel, &pt->flags); }

ptdesc* pagetable_alloc(int level, mm_struct* mm, const char* what, sync::SourceLoc loc) {
  return kernel().frames().alloc(FrameUse::kPageTable, level, mm, what, loc);
}

namespace {

// 977870522af3 "mm: actually mark kernel page table pages": absent before v6.19.
bool marks_kernel_tables() { return kernel().profile().kernel_pgtable_series; }

}  // namespace

ptdesc* __pte_alloc_one_kernel(mm_struct* mm, const char* what) {
  ptdesc* pt = pagetable_alloc(kPte, mm, what);
  if (pt && marks_kernel_tables()) ptdesc_set_kernel(pt);
  return pt;
}

ptdesc* pte_alloc_one(mm_struct* mm, const char* what) { return pagetable_alloc(kPte, mm, what); }

namespace {

ptdesc* alloc_upper(int level, mm_struct* mm, const char* what) {
  ptdesc* pt = pagetable_alloc(level, mm, what);
  if (pt && mm == &kernel().init_mm() && marks_kernel_tables()) ptdesc_set_kernel(pt);
  return pt;
}

}  // namespace

ptdesc* pmd_alloc_one(mm_struct* mm, const char* what) { return alloc_upper(kPmd, mm, what); }
ptdesc* pud_alloc_one(mm_struct* mm, const char* what) { return alloc_upper(kPud, mm, what); }
ptdesc* p4d_alloc_one(mm_struct* mm, const char* what) { return alloc_upper(kP4d, mm, what); }

void __pagetable_free(ptdesc* pt, const char* what, sync::SourceLoc loc) {
  kernel().frames().free(pt, what, loc);
}

void pagetable_free_kernel(ptdesc* pt, sync::SourceLoc loc) {
  Kernel& k = kernel();
  // The kernel caller that queued the free (for finding signatures: the design's worker
  // frees later, from its own site).
  record_deferred_free(pt, loc);
  if (k.options().async_kernel_pgtable_free && k.hooks().pagetable_free_kernel) {
    k.hooks().pagetable_free_kernel(pt);   // the design releases it later, from its own site
  } else {
    __pagetable_free(pt, "pagetable_free_kernel", loc);
  }
}

void pagetable_free(ptdesc* pt, sync::SourceLoc loc) {
  // Before the series (v6.18) pagetable_free had no dispatch: every table was freed at once,
  // whatever a test marked it with.
  if (marks_kernel_tables() && ptdesc_test_kernel(pt)) {
    ptdesc_clear_kernel(pt);
    pagetable_free_kernel(pt, loc);
  } else {
    __pagetable_free(pt, "pagetable_free", loc);
  }
}

// pagetable_dtor (ptlock_free, NR_PAGETABLE accounting) has nothing to model.
void pagetable_dtor_free(ptdesc* pt, sync::SourceLoc loc) { pagetable_free(pt, loc); }
void pte_free_kernel(mm_struct*, ptdesc* pt, sync::SourceLoc loc) { pagetable_dtor_free(pt, loc); }
void pte_free(mm_struct*, ptdesc* pt, sync::SourceLoc loc) { pagetable_dtor_free(pt, loc); }
void pmd_free(mm_struct*, ptdesc* pt, sync::SourceLoc loc) { pagetable_dtor_free(pt, loc); }
void pud_free(mm_struct*, ptdesc* pt, sync::SourceLoc loc) { pagetable_dtor_free(pt, loc); }
void p4d_free(mm_struct*, ptdesc* pt, sync::SourceLoc loc) { pagetable_dtor_free(pt, loc); }

ptdesc* __get_free_page(const char* what, sync::SourceLoc loc) {
  return kernel().frames().alloc(FrameUse::kData, 0, nullptr, what, loc);
}

void free_page(ptdesc* page, const char* what, sync::SourceLoc loc) {
  kernel().frames().free(page, what, loc);
}

}  // namespace svafuzz::mm
