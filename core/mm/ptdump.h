// A software page-table walker in the style of ptdump (mm/ptdump.c ptdump_walk_pgd, as called
// by arch/x86/mm/dump_pagetables.c), walking every present entry of an address space.
//
// Locking is v6.19's (docs/kernel-sources.md item 10): get_online_mems() then
// mmap_write_lock(mm). That excludes memory hot-remove (mem_hotplug_lock) but NOT vmap huge
// promotion (pmd_free_pte_page/pud_free_pmd_page take no init_mm lock) nor CPA collapse
// (pgd_lock/cpa_lock only), and for a user mm not even init_mm's mmap_lock: those frees can
// race with the walk, and the walker's READ_ONCE + frame_check_table will then see a freed or
// reused table (an ASan report or a frame-check finding). That is a kept v6.19 gap.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/mm/mm_struct.h"
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

// note_page(va, level, entry) for each present leaf, in address order.
using NotePageFn = std::function<void(uint64_t va, int level, pteval_t entry)>;

// ptdump_walk_pgd(st, mm, mm->pgd). Takes mem_hotplug_lock and mm->mmap_lock (may sleep);
// every entry read is a scheduling point. Applies frame_check_table to each table it enters
// and again after each entry read from it (a table freed under the walk). Returns the number
// of leaves noted; stops walking a table whose frame check fails (finding reported).
size_t ptdump_walk_pgd(mm_struct* mm, const NotePageFn& note_page = {});

}  // namespace svafuzz::mm
