// ptdump_walk_pgd: get_online_mems + mmap_write_lock, then a checked walk of every table.
#include "core/mm/ptdump.h"

#include "core/mm/frame_check.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/mmap_lock.h"
#include "core/mm/pgtable_offset.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

struct PtdumpWalk {
  const NotePageFn& note_page;
  const mm_struct* owner;
  size_t leaves = 0;

  // walk_page_range_debug's per-level callbacks: READ_ONCE each entry, note leaves, check
  // and enter tables.
  void walk_table(ptdesc* table, int level, uint64_t base) {
    // A point per entry (a free between two reads is the race window), bounded by the world:
    // granted beyond the step budget, so a walk of a 1 GiB 4 KiB-PTE mapping is no livelock.
    sync::grant_steps(PTRS_PER_TABLE);
    for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
      pteval_t e = read_entry(table_slot(table, i));
      // The table may have been freed under the walk (v6.19 leaves huge-vmap promotion and
      // CPA collapse unsynchronised with ptdump): ASan reports the read itself; re-checking
      // the table after each read makes it a frame-check finding in builds without ASan.
      if (!frame_check_table(table->phys(), level, owner, "ptdump_walk_pgd")) return;
      if (!entry_present(e)) continue;
      uint64_t va = base + static_cast<uint64_t>(i) * level_size(level);
      if (entry_is_leaf(e, level)) {
        ++leaves;
        if (note_page) note_page(va, level, e);
        continue;
      }
      if (!frame_check_table(entry_phys(e), level - 1, owner, "ptdump_walk_pgd")) continue;
      walk_table(entry_to_ptdesc(e), level - 1, va);
    }
  }
};

}  // namespace

size_t ptdump_walk_pgd(mm_struct* mm, const NotePageFn& note_page) {
  Kernel& k = kernel();
  const int top = k.levels();
  // mm/ptdump.c: "get_online_mems(); mmap_write_lock(mm);"
  get_online_mems();
  mmap_write_lock(mm);
  // v6.19-fixed (kernel_profile.h ptdump_takes_init_mm_lock): a user mm's kernel half is
  // init_mm's tables, so stabilise against their freeing with init_mm's lock too (nested).
  mm_struct* init_lock = mm != &k.init_mm() && k.profile().ptdump_takes_init_mm_lock
                             ? &k.init_mm() : nullptr;
  if (init_lock) mmap_write_lock(init_lock);
  size_t leaves = 0;
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t e = read_entry(table_slot(mm->pgd, i));
    if (!entry_present(e)) continue;
    uint64_t va = k.layout().canonical(static_cast<uint64_t>(i) * level_size(top));
    const mm_struct* owner = k.layout().is_kernel(va) ? &k.init_mm() : mm;
    if (!frame_check_table(entry_phys(e), top - 1, owner, "ptdump_walk_pgd")) continue;
    PtdumpWalk w{note_page, owner};
    w.walk_table(entry_to_ptdesc(e), top - 1, va);
    leaves += w.leaves;
  }
  // "mmap_write_unlock(mm); put_online_mems();"
  if (init_lock) mmap_write_unlock(init_lock);
  mmap_write_unlock(mm);
  put_online_mems();
  return leaves;
}

}  // namespace svafuzz::mm
