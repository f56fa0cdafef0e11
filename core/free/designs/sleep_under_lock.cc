// Planted bug "sleep-under-lock" (BRIEF §7 item 6): the worker keeps the list spinlock held
// across the IOMMU invalidation, which takes the mutex iommu_sva_lock and may sleep.
//
// Interleaving: any run of the work function: mutex_lock under spin_lock is "sleeping function
// called from invalid context" (might-sleep). In a kernel without the debug check it is a hang
// when the mutex is contended while producers spin on the list lock.
#include "core/free/plugin.h"

namespace svafuzz_design_sleep_under_lock {

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
  iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);   // BUG: sleeps under the lock
  spin_unlock(&pgtable_work.lock);

  list_for_each_entry_safe(pt, next, &page_list, pt_list) __pagetable_free(pt);
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  spin_lock(&pgtable_work.lock);
  list_add(&pt->pt_list, &pgtable_work.list);
  spin_unlock(&pgtable_work.lock);
  schedule_work(&pgtable_work.work);
}

}  // namespace svafuzz_design_sleep_under_lock

namespace svafuzz::free {
void register_design_sleep_under_lock() {
  register_design({.name = "sleep-under-lock",
                   .verdict = Verdict::kFlagged,
                   .detectors = "might-sleep",
                   .summary = "planted: iommu_sva_invalidate_kva_range (a mutex) under the list spinlock",
                   .source = "BRIEF §7 item 6",
                   .pagetable_free_kernel = svafuzz_design_sleep_under_lock::pagetable_free_kernel});
}
}  // namespace svafuzz::free
