// Design "seed-v3": the deferred free posted in the seed thread (v3 of the series, Aug 2025;
// /work/shared/seeds/000_*.txt): the worker invalidates FIRST, then takes the lock and frees
// every page on the list.
//
// Bug (BRIEF §7 item 1): a page queued after the invalidation began is freed with no
// invalidation covering it. Interleaving: CPU frees table Q (work scheduled); the worker runs
// iommu_sva_invalidate_kva_range to completion; a device walk re-caches PDE -> P; the CPU
// clears that PDE and queues P; the worker takes the lock and frees Q and P; a device walk
// follows the stale PDE into the freed P. Detector: asan (frame-check without ASan).
// Source: kernel_pte_work_func / pte_free_kernel_async of the seed hunk (as plug-in:
// plugins/seed_v3_hunk.c).
#include "core/free/plugin.h"

namespace svafuzz_design_seed_v3 {

static void kernel_pte_work_func(struct work_struct *work);

static struct {
  struct list_head list;
  spinlock_t lock;
  struct work_struct work;
} kernel_pte_work = {
    .list = LIST_HEAD_INIT(kernel_pte_work.list),
    .lock = __SPIN_LOCK_UNLOCKED(kernel_pte_work.lock),
    .work = __WORK_INITIALIZER(kernel_pte_work.work, kernel_pte_work_func),
};
SVAFUZZ_STATE(kernel_pte_work);

static void kernel_pte_work_func(struct work_struct *work) {
  struct ptdesc *ptdesc, *next;

  iommu_sva_invalidate_kva_range(0, TLB_FLUSH_ALL);

  guard(spinlock)(&kernel_pte_work.lock);
  list_for_each_entry_safe(ptdesc, next, &kernel_pte_work.list, pt_list) {
    list_del_init(&ptdesc->pt_list);
    pagetable_dtor_free(ptdesc);
  }
}

static void pte_free_kernel_async(struct ptdesc *ptdesc) {
  guard(spinlock)(&kernel_pte_work.lock);
  list_add(&ptdesc->pt_list, &kernel_pte_work.list);
  schedule_work(&kernel_pte_work.work);
}

}  // namespace svafuzz_design_seed_v3

namespace svafuzz::free {
void register_design_seed_v3() {
  register_design({.name = "seed-v3",
                   .verdict = Verdict::kFlagged,
                   .detectors = "asan|frame-check",
                   .summary = "seed thread v3: invalidate first, then lock and free the whole list",
                   .source = "seed thread, mm/pgtable-generic.c hunk (v3, Aug 2025)",
                   .pagetable_free_kernel = svafuzz_design_seed_v3::pte_free_kernel_async});
}
}  // namespace svafuzz::free
