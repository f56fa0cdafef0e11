/*
 * Plug-in: the free path of kernel page tables as merged in Linux v6.19, compiled as the
 * free-path design "pgtable-generic-v6-19" (docs/plugin-api.md). It is the text of
 * mm/pgtable-generic.c after 5ba2f0a15564 ("mm: introduce deferred freeing for kernel page
 * tables") and e37d5a2d60a3 ("iommu/sva: invalidate stale IOTLB entries for kernel address
 * space"), plus the include/linux/mm.h declaration it needs; the shipped design `mainline`
 * (core/free/designs/mainline.cc) is the same algorithm in the model's own C++.
 *
 * Edits from the merged text:
 *   1. the include/linux/mm.h hunk's declaration pasted above the code (that header is the
 *      model's, core/mm);
 *   2. two svafuzz lines added, marked "svafuzz:": SVAFUZZ_STATE(kernel_pgtable_work) resets the
 *      global before every execution, and SVAFUZZ_PAGETABLE_FREE_KERNEL(pagetable_free_kernel)
 *      names the entry point.
 * Expected: clean (the race-hunt job must find nothing in it).
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/* From the include/linux/mm.h hunk of 5ba2f0a15564: */
#ifdef CONFIG_ASYNC_KERNEL_PGTABLE_FREE
void pagetable_free_kernel(struct ptdesc *pt);
#else
static inline void pagetable_free_kernel(struct ptdesc *pt)
{
	__pagetable_free(pt);
}
#endif

/* mm/pgtable-generic.c: */
#ifdef CONFIG_ASYNC_KERNEL_PGTABLE_FREE
static void kernel_pgtable_work_func(struct work_struct *work);

static struct {
	struct list_head list;
	/* protect above ptdesc lists */
	spinlock_t lock;
	struct work_struct work;
} kernel_pgtable_work = {
	.list = LIST_HEAD_INIT(kernel_pgtable_work.list),
	.lock = __SPIN_LOCK_UNLOCKED(kernel_pgtable_work.lock),
	.work = __WORK_INITIALIZER(kernel_pgtable_work.work, kernel_pgtable_work_func),
};
SVAFUZZ_STATE(kernel_pgtable_work);	/* svafuzz: reset before every execution */

static void kernel_pgtable_work_func(struct work_struct *work)
{
	struct ptdesc *pt, *next;
	LIST_HEAD(page_list);

	spin_lock(&kernel_pgtable_work.lock);
	list_splice_tail_init(&kernel_pgtable_work.list, &page_list);
	spin_unlock(&kernel_pgtable_work.lock);

	iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);
	list_for_each_entry_safe(pt, next, &page_list, pt_list)
		__pagetable_free(pt);
}

void pagetable_free_kernel(struct ptdesc *pt)
{
	spin_lock(&kernel_pgtable_work.lock);
	list_add(&pt->pt_list, &kernel_pgtable_work.list);
	spin_unlock(&kernel_pgtable_work.lock);

	schedule_work(&kernel_pgtable_work.work);
}
SVAFUZZ_PAGETABLE_FREE_KERNEL(pagetable_free_kernel);	/* svafuzz: the design's entry point */
#endif
