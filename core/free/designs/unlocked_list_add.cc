// Planted bug "unlocked-list-add" (BRIEF §7 item 3): mainline, except that the producer does
// list_add onto the shared list without taking its spinlock.
//
// Interleaving: two CPUs free tables at once; both read head->next, one links its page, the
// other overwrites head->next (or the worker splices between the pointer stores). The debug
// check of the second list_add sees head->prev != head->next->prev (list-debug), or a page
// drops off the list and is left unfreed (stranded at teardown). Under the threads backend it
// is a plain data race on the list pointers (ThreadSanitizer). Producer against the worker's
// splice: a page linked into the spliced list is freed twice or left behind (double-free,
// stranded, leak).
#include "core/free/plugin.h"

namespace svafuzz_design_unlocked_list_add {

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
  list_add(&pt->pt_list, &pgtable_work.list);   // BUG: pgtable_work.lock not held
  schedule_work(&pgtable_work.work);
}

}  // namespace svafuzz_design_unlocked_list_add

namespace svafuzz::free {
void register_design_unlocked_list_add() {
  register_design({.name = "unlocked-list-add",
                   .verdict = Verdict::kFlagged,
                   .detectors = "list-debug|stranded|double-free|leak|tsan|asan",
                   .summary = "planted: list_add onto the shared list without the spinlock",
                   .source = "BRIEF §7 item 3",
                   .pagetable_free_kernel = svafuzz_design_unlocked_list_add::pagetable_free_kernel});
}
}  // namespace svafuzz::free
