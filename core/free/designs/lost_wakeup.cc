// Planted bug "lost-wakeup" (BRIEF §7 item 4): the producer schedules the work BEFORE it puts
// the page on the list.
//
// Interleaving: the CPU calls schedule_work; the kworker runs the function at once, splices an
// empty list, invalidates and returns; the CPU then adds its page. No one schedules the work
// again, so the page stays on the list: stranded at teardown (after draining pending work).
#include "core/free/plugin.h"

namespace svafuzz_design_lost_wakeup {

static void work_func(struct work_struct *work);

static struct {
  struct list_head list;
  spinlock_t lock;
  struct work_struct work;
  bool pending;
} pgtable_work = {
    .list = LIST_HEAD_INIT(pgtable_work.list),
    .lock = __SPIN_LOCK_UNLOCKED(pgtable_work.lock),
    .work = __WORK_INITIALIZER(pgtable_work.work, work_func),
    .pending = false,
};
SVAFUZZ_STATE(pgtable_work);

static void work_func(struct work_struct *work) {
  struct ptdesc *pt, *next;
  LIST_HEAD(page_list);

  spin_lock(&pgtable_work.lock);
  list_splice_tail_init(&pgtable_work.list, &page_list);
  spin_unlock(&pgtable_work.lock);

  iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);

  list_for_each_entry_safe(pt, next, &page_list, pt_list) __pagetable_free(pt);
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  schedule_work(&pgtable_work.work);   // BUG: before the page is on the list
  spin_lock(&pgtable_work.lock);
  list_add(&pt->pt_list, &pgtable_work.list);
  spin_unlock(&pgtable_work.lock);
}

}  // namespace svafuzz_design_lost_wakeup

namespace svafuzz::free {
void register_design_lost_wakeup() {
  register_design({.name = "lost-wakeup",
                   .verdict = Verdict::kFlagged,
                   .detectors = "stranded",
                   .summary = "planted: schedule_work before list_add (lost wakeup)",
                   .source = "BRIEF §7 item 4",
                   .pagetable_free_kernel = svafuzz_design_lost_wakeup::pagetable_free_kernel});
}
}  // namespace svafuzz::free
