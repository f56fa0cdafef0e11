// Design "mainline": Linux v6.19's deferred free of kernel page tables (mm/pgtable-generic.c,
// commits 5ba2f0a15564 and e37d5a2d60a3; docs/kernel-sources.md item 2).
//
// Ordering argument: a table reaches pagetable_free_kernel only after its parent entry was
// cleared (pmd_clear) and the CPU TLB flushed, so from then on no NEW walk can reach it through
// the page tables; only a paging-structure-cache entry filled before the clear can. The worker
// takes the pages off the shared list first (splice under the lock), THEN invalidates: every
// page it frees was queued, hence unlinked, before the invalidation began, so any PSC entry
// pointing at it was filled before the invalidation and is removed by it (IH=0 covers
// paging-structure caches; qi_submit_sync's wait completes only after in-flight walks that
// could use them). A page queued after the splice stays on the list for the next run of the
// work, which schedule_work guarantees (PENDING is cleared before the function runs).
// Expected: clean.
#include "core/free/plugin.h"

namespace svafuzz_design_mainline {

static void kernel_pgtable_work_func(struct work_struct *work);

static struct {
  struct list_head list;
  spinlock_t lock;
  struct work_struct work;
} kernel_pgtable_work = {
    .list = LIST_HEAD_INIT(kernel_pgtable_work.list),
    .lock = __SPIN_LOCK_UNLOCKED(kernel_pgtable_work.lock),
    .work = __WORK_INITIALIZER(kernel_pgtable_work.work, kernel_pgtable_work_func),
};
SVAFUZZ_STATE(kernel_pgtable_work);

static void kernel_pgtable_work_func(struct work_struct *work) {
  struct ptdesc *pt, *next;
  LIST_HEAD(page_list);

  spin_lock(&kernel_pgtable_work.lock);
  list_splice_tail_init(&kernel_pgtable_work.list, &page_list);
  spin_unlock(&kernel_pgtable_work.lock);

  iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);

  list_for_each_entry_safe(pt, next, &page_list, pt_list) __pagetable_free(pt);
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  spin_lock(&kernel_pgtable_work.lock);
  list_add(&pt->pt_list, &kernel_pgtable_work.list);
  spin_unlock(&kernel_pgtable_work.lock);

  schedule_work(&kernel_pgtable_work.work);
}

}  // namespace svafuzz_design_mainline

namespace svafuzz::free {
void register_design_mainline() {
  register_design({.name = "mainline",
                   .verdict = Verdict::kClean,
                   .detectors = "",
                   .summary = "v6.19: lock, splice onto a local list, unlock, invalidate, free",
                   .source = "mm/pgtable-generic.c v6.19 (5ba2f0a15564 + e37d5a2d60a3)",
                   .pagetable_free_kernel = svafuzz_design_mainline::pagetable_free_kernel});
}
}  // namespace svafuzz::free
