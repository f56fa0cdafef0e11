// include/linux/mmap_lock.h: mm->mmap_lock is a rw_semaphore. Readers: change_page_attr_set_clr
// on init_mm (v6.19-fixed), vmap_try_huge_pmd/pud's trylock (v6.19-fixed). Writers: ptdump,
// cpa_collapse_large_pages (v6.19-fixed), mmu_notifier_register, mmap/munmap, exit_mmap.
// Each wrapper passes its caller's location on, so traces name the kernel call site.
#pragma once
#include "core/mm/mm_struct.h"
#include "core/sync/rwsem.h"

namespace svafuzz::mm {

inline void mmap_read_lock(mm_struct* mm, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::down_read(&mm->mmap_lock, loc);
}
// mmap_read_trylock: true when taken. Fails while a writer holds or waits for the lock.
inline bool mmap_read_trylock(mm_struct* mm, sync::SourceLoc loc = SVAFUZZ_HERE) {
  return sync::down_read_trylock(&mm->mmap_lock, loc);
}
inline void mmap_read_unlock(mm_struct* mm, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::up_read(&mm->mmap_lock, loc);
}
inline void mmap_write_lock(mm_struct* mm, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::down_write(&mm->mmap_lock, loc);
}
inline void mmap_write_unlock(mm_struct* mm, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::up_write(&mm->mmap_lock, loc);
}

}  // namespace svafuzz::mm
