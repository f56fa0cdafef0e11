/*
 * A plug-in that does not compile (ctest free.plugin.compile-error): the compiler's message must
 * name this file and line 8, not the generated wrapper. Never part of a build target.
 */
#include <linux/mm.h>
static void broken_free(struct ptdesc *pt)
{
	spin_lock(&no_such_lock);
	__pagetable_free(pt);
}
SVAFUZZ_PAGETABLE_FREE_KERNEL(broken_free);
