/*
 * Plug-in: the mm/pgtable-generic.c hunk of the seed thread (Lu Baolu's v3 reply, Aug 2025;
 * /work/shared/seeds/), compiled as a free-path design named "seed-v3-hunk".
 *
 * Trivial edits from the posted hunk (docs/plugin-api.md):
 *   1. the leading '+' of each diff line removed;
 *   2. struct pgtable_free_work pasted from the include/asm-generic/pgalloc.h hunk of the same
 *      patch (that header is not part of the model);
 *   3. two svafuzz lines added, marked "svafuzz:": SVAFUZZ_STATE(kernel_pte_work) resets the
 *      global before every execution, and SVAFUZZ_PAGETABLE_FREE_KERNEL(pte_free_kernel_async)
 *      makes the hunk's entry point the design's pagetable_free_kernel.
 * svafuzz-expect: flagged (the invalidate-before-free race, BRIEF §7 item 1).
 */
#include <linux/iommu.h>

#ifdef CONFIG_ASYNC_PGTABLE_FREE
/* From the include/asm-generic/pgalloc.h hunk: */
struct pgtable_free_work {
	struct list_head list;
	spinlock_t lock;
	struct work_struct work;
};

static void kernel_pte_work_func(struct work_struct *work);
struct pgtable_free_work kernel_pte_work = {
	.list = LIST_HEAD_INIT(kernel_pte_work.list),
	.lock = __SPIN_LOCK_UNLOCKED(kernel_pte_work.lock),
	.work = __WORK_INITIALIZER(kernel_pte_work.work, kernel_pte_work_func),
};
SVAFUZZ_STATE(kernel_pte_work);	/* svafuzz: reset before every execution */

static void kernel_pte_work_func(struct work_struct *work)
{
	struct ptdesc *ptdesc, *next;

	iommu_sva_invalidate_kva_range(0, TLB_FLUSH_ALL);

	guard(spinlock)(&kernel_pte_work.lock);
	list_for_each_entry_safe(ptdesc, next, &kernel_pte_work.list, pt_list) {
		list_del_init(&ptdesc->pt_list);
		pagetable_dtor_free(ptdesc);
	}
}

void pte_free_kernel_async(struct ptdesc *ptdesc)
{
	guard(spinlock)(&kernel_pte_work.lock);
	list_add(&ptdesc->pt_list, &kernel_pte_work.list);
	schedule_work(&kernel_pte_work.work);
}
SVAFUZZ_PAGETABLE_FREE_KERNEL(pte_free_kernel_async);	/* svafuzz: the design's entry */
#endif
