// Page-table allocation and freeing with mainline v6.19's names and marking rules
// (include/asm-generic/pgalloc.h, include/linux/mm.h, mm/pgtable-generic.c; see
// docs/kernel-sources.md items 1–3):
//  - __pte_alloc_one_kernel always sets PT_kernel;
//  - pmd/pud/p4d_alloc_one set it only when mm == &init_mm;
//  - a bare pagetable_alloc() (CPA's split_large_page, hot-add's alloc_low_pages) does not;
//  - pagetable_free(): marked -> clear the mark, pagetable_free_kernel(); unmarked ->
//    __pagetable_free() at once;
//  - pagetable_free_kernel(): with CONFIG_ASYNC_KERNEL_PGTABLE_FREE, the free-path design
//    installed in KernelHooks::pagetable_free_kernel; otherwise __pagetable_free().
// The kernel passes table virtual addresses (pte_t *); the model passes ptdescs, which is what
// the kernel converts them to first (virt_to_ptdesc). `what` names the caller for provenance;
// the free functions carry their caller's source location down to the frame's release, so a
// release finding (dangling-table, double-free) names the kernel call site that freed.
// Allocation failure returns nullptr, as the kernel's -ENOMEM paths expect.
// Under the v6.18 kernel profile (kernel_profile.h, kernel_pgtable_series off) nothing is
// marked and pagetable_free frees every table at once, as before the series.
#pragma once
#include "core/mm/frame.h"
#include "core/sync/event.h"

namespace svafuzz::mm {

void ptdesc_set_kernel(ptdesc* pt);
void ptdesc_clear_kernel(ptdesc* pt);
bool ptdesc_test_kernel(ptdesc* pt);

// A zeroed table frame of `level` for `mm`, not marked.
ptdesc* pagetable_alloc(int level, mm_struct* mm, const char* what = __builtin_FUNCTION(),
                        sync::SourceLoc loc = SVAFUZZ_HERE);

ptdesc* __pte_alloc_one_kernel(mm_struct* mm, const char* what = __builtin_FUNCTION());
ptdesc* pte_alloc_one(mm_struct* mm, const char* what = __builtin_FUNCTION());   // user PTE
ptdesc* pmd_alloc_one(mm_struct* mm, const char* what = __builtin_FUNCTION());
ptdesc* pud_alloc_one(mm_struct* mm, const char* what = __builtin_FUNCTION());
ptdesc* p4d_alloc_one(mm_struct* mm, const char* what = __builtin_FUNCTION());

void __pagetable_free(ptdesc* pt, const char* what = __builtin_FUNCTION(),
                      sync::SourceLoc loc = SVAFUZZ_HERE);
void pagetable_free_kernel(ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pagetable_free(ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pagetable_dtor_free(ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pte_free_kernel(mm_struct* mm, ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pte_free(mm_struct* mm, ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pmd_free(mm_struct* mm, ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void pud_free(mm_struct* mm, ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);
void p4d_free(mm_struct* mm, ptdesc* pt, sync::SourceLoc loc = SVAFUZZ_HERE);

// Data pages: __get_free_page / free_page (scratch copies, mapped data, sprays).
ptdesc* __get_free_page(const char* what = __builtin_FUNCTION(),
                        sync::SourceLoc loc = SVAFUZZ_HERE);
void free_page(ptdesc* page, const char* what = __builtin_FUNCTION(),
               sync::SourceLoc loc = SVAFUZZ_HERE);

}  // namespace svafuzz::mm
