// Allocate-and-populate of a missing next-level table, as mm/memory.c does it for page-table
// walks that build: __p4d_alloc, __pud_alloc, __pmd_alloc, __pte_alloc_kernel, __pte_alloc
// (pmd_install), and the p?d_alloc wrappers that call them only when the entry is none.
//
// Contract (every function): the table comes from the generic allocator for `mm` (so kernel
// tables of init_mm are marked PT_kernel, user tables are not; pgalloc.h), is populated under
// mm->page_table_lock if the entry is still empty, and is freed again with the matching
// p?d_free if another agent populated the entry first (upper levels: inside the lock, as
// mm/memory.c does). Scheduling points: the spin_lock, the READ_ONCE of the entry and the
// WRITE_ONCE that publishes the table (the frame allocator itself takes none: FrameDb).
// Must not be called with mm->page_table_lock held. Returns the slot for `va` in the
// next-level table, or nullptr on -ENOMEM.
#pragma once
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

constexpr int kENOMEM = 12;
constexpr int kEINVAL = 22;
constexpr int kEEXIST = 17;

// p4d_alloc(mm, pgd, va): with 4-level paging the P4D is folded and `pgd` is returned.
pteval_t* p4d_alloc(mm_struct* mm, pteval_t* pgd, uint64_t va);
pteval_t* pud_alloc(mm_struct* mm, pteval_t* p4d, uint64_t va);
pteval_t* pmd_alloc(mm_struct* mm, pteval_t* pud, uint64_t va);
// pte_alloc_kernel(pmd, va): init_mm PTE table from __pte_alloc_one_kernel (always marked).
pteval_t* pte_alloc_kernel(pteval_t* pmd, uint64_t va);
// pte_alloc_map(mm, pmd, va): user PTE table from pte_alloc_one (never marked).
pteval_t* pte_alloc_map(mm_struct* mm, pteval_t* pmd, uint64_t va);

}  // namespace svafuzz::mm
