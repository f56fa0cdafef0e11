// Planted bug "double-enqueue" (BRIEF §7 item 5, an error path that frees twice): the producer
// treats schedule_work() == false as "queueing failed" and retries by queueing the page again.
// schedule_work returns false whenever the work is merely pending already.
//
// Interleaving: the CPU frees Q (work scheduled, not yet run), then frees P: schedule_work
// returns false, so P is list_add'ed a second time while it is the list's first entry:
// CONFIG_DEBUG_LIST reports list_add double add (list-debug). If the worker spliced P in
// between, P ends up on two lists and is freed twice (double-free / asan).
#include "core/free/plugin.h"

namespace svafuzz_design_double_enqueue {

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
  spin_lock(&pgtable_work.lock);
  list_add(&pt->pt_list, &pgtable_work.list);
  spin_unlock(&pgtable_work.lock);
  if (!schedule_work(&pgtable_work.work)) {
    // BUG: "retry" - the work was only pending; the page is already queued.
    spin_lock(&pgtable_work.lock);
    list_add(&pt->pt_list, &pgtable_work.list);
    spin_unlock(&pgtable_work.lock);
  }
}

}  // namespace svafuzz_design_double_enqueue

namespace svafuzz::free {
void register_design_double_enqueue() {
  register_design({.name = "double-enqueue",
                   .verdict = Verdict::kFlagged,
                   .detectors = "list-debug|double-free|asan",
                   .summary = "planted: error path re-queues a page when schedule_work returns false",
                   .source = "BRIEF §7 item 5",
                   .pagetable_free_kernel = svafuzz_design_double_enqueue::pagetable_free_kernel});
}
}  // namespace svafuzz::free
