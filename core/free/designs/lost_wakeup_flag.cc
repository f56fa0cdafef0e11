// Planted bug "lost-wakeup-flag" (BRIEF §7 item 4, second form): the design keeps a private
// "work pending" flag to avoid calling schedule_work for every page, and the worker clears it
// at the wrong time: after it has spliced and freed, in a later critical section.
//
// Interleaving: the worker splices the list (flag still set); the CPU adds a page, sees the
// flag set and does not schedule; the worker clears the flag and returns. The page is never
// freed: stranded at teardown. (Correct: clear the flag in the same critical section as the
// splice.)
#include "core/free/plugin.h"

namespace svafuzz_design_lost_wakeup_flag {

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

  spin_lock(&pgtable_work.lock);
  pgtable_work.pending = false;   // BUG: pages queued since the splice saw pending == true
  spin_unlock(&pgtable_work.lock);
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  bool kick = false;
  spin_lock(&pgtable_work.lock);
  list_add(&pt->pt_list, &pgtable_work.list);
  if (!pgtable_work.pending) {
    pgtable_work.pending = true;
    kick = true;
  }
  spin_unlock(&pgtable_work.lock);
  if (kick) schedule_work(&pgtable_work.work);
}

}  // namespace svafuzz_design_lost_wakeup_flag

namespace svafuzz::free {
void register_design_lost_wakeup_flag() {
  register_design({.name = "lost-wakeup-flag",
                   .verdict = Verdict::kFlagged,
                   .detectors = "stranded",
                   .summary = "planted: private pending flag cleared after the splice, outside its critical section",
                   .source = "BRIEF §7 item 4",
                   .pagetable_free_kernel = svafuzz_design_lost_wakeup_flag::pagetable_free_kernel});
}
}  // namespace svafuzz::free
