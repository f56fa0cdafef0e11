// Design "percpu-llist": per-CPU lock-less lists, the alternative Uladzislau Rezki raised in
// review of the seed thread (Ethan Zhao's point: one global list serialises every producer and
// the consumer). Shape of mm/vmalloc.c's vfree_atomic/delayed_vfree_work: the freeing CPU
// llist_add's the page to its own list and, if it made that list non-empty, schedules the one
// work item; the worker llist_del_all's every CPU's list, invalidates once, then frees.
//
// Ordering argument: as mainline's (take the pages, then invalidate, then free), with the
// splice replaced by llist_del_all per CPU. No page is missed: a producer whose llist_add found
// its CPU list non-empty knows the node ahead of it was added by a producer that scheduled the
// work and that no llist_del_all has taken that list since (it would have emptied it), so a
// later del_all takes both; a producer that found it empty schedules the work itself (PENDING
// is cleared before the function runs, so this requeues a running worker).
// The llist_node lives in the ptdesc's pt_list storage (the kernel would add it to the same
// union in struct ptdesc). Expected: clean.
#include "core/free/plugin.h"

namespace svafuzz_design_percpu_llist {

static void kernel_pgtable_llist_func(struct work_struct *work);

static DEFINE_PER_CPU(struct llist_head, kernel_pgtable_llist);
static DECLARE_WORK(kernel_pgtable_llist_work, kernel_pgtable_llist_func);
SVAFUZZ_STATE(kernel_pgtable_llist);
SVAFUZZ_STATE(kernel_pgtable_llist_work);

static struct llist_node *pt_llist_node(struct ptdesc *pt) {
  return reinterpret_cast<struct llist_node *>(&pt->pt_list);
}

static void kernel_pgtable_llist_func(struct work_struct *work) {
  struct llist_node *batch[NR_CPUS];
  int cpu;

  for_each_possible_cpu(cpu) batch[cpu] = llist_del_all(per_cpu_ptr(&kernel_pgtable_llist, cpu));

  iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);

  for_each_possible_cpu(cpu) {
    struct ptdesc *pt, *next;
    llist_for_each_entry_safe(pt, next, batch[cpu], pt_list) __pagetable_free(pt);
  }
}

static void pagetable_free_kernel(struct ptdesc *pt) {
  if (llist_add(pt_llist_node(pt), this_cpu_ptr(&kernel_pgtable_llist)))
    schedule_work(&kernel_pgtable_llist_work);
}

}  // namespace svafuzz_design_percpu_llist

namespace svafuzz::free {
void register_design_percpu_llist() {
  register_design({.name = "percpu-llist",
                   .verdict = Verdict::kClean,
                   .detectors = "",
                   .summary = "per-CPU llists; worker takes every CPU's list, invalidates once, frees",
                   .source = "review of the seed thread (U. Rezki); mm/vmalloc.c vfree_atomic shape",
                   .pagetable_free_kernel = svafuzz_design_percpu_llist::pagetable_free_kernel});
}
}  // namespace svafuzz::free
