// Planted bug "free-then-flush" (BRIEF §7 item 2, "free now, flush later": v3's first idea):
// the worker splices the list and frees every page, and only then invalidates the IOMMU.
//
// Interleaving: a device walk caches PDE -> P; the CPU clears the PDE and queues P; the worker
// splices and frees P; before its invalidation completes, a device walk follows the cached PDE
// into the freed P. Detector: asan at the IOMMU walk's read (frame-check without ASan).
#include "core/free/plugin.h"

namespace svafuzz_design_free_then_flush {

static void work_func(struct work_struct *work);

static struct {
  struct list_head list;
  spinlock_t lock;
  struct work_struct work;
} pgtable_work = {
    .list = LIST_HEAD_INIT(pgtable_work.list),
    .lock = __SPIN_LOCK_UNLOCKED(pgtable_work.lock),
    .work = __WORK_INITIALIZER(pgtable_work.work, work_func),
};
SVAFUZZ_STATE(pgtable_work);

static void work_func(struct work_struct *work) {
  struct ptdesc *pt, *next;
  LIST_HEAD(page_list);

  spin_lock(&pgtable_work.lock);
  list_splice_tail_init(&pgtable_work.list, &page_list);
  spin_unlock(&pgtable_work.lock);

  list_for_each_entry_safe(pt, next, &page_list, pt_list) __pagetable_free(pt);   // BUG: too early

  iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  spin_lock(&pgtable_work.lock);
  list_add(&pt->pt_list, &pgtable_work.list);
  spin_unlock(&pgtable_work.lock);
  schedule_work(&pgtable_work.work);
}

}  // namespace svafuzz_design_free_then_flush

namespace svafuzz::free {
void register_design_free_then_flush() {
  register_design({.name = "free-then-flush",
                   .verdict = Verdict::kFlagged,
                   .detectors = "asan|frame-check",
                   .summary = "planted: worker frees the spliced pages before invalidating",
                   .source = "BRIEF §7 item 2 (free now, flush later)",
                   .pagetable_free_kernel = svafuzz_design_free_then_flush::pagetable_free_kernel});
}
}  // namespace svafuzz::free
