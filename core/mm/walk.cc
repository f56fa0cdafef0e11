// The software lookup walk.
#include "core/mm/walk.h"

#include "core/mm/frame_check.h"
#include "core/mm/pgtable_offset.h"

namespace svafuzz::mm {

WalkResult walk(mm_struct* mm, uint64_t va, const char* walker) {
  Kernel& k = kernel();
  WalkResult r;
  const mm_struct* owner = k.layout().is_kernel(va) ? &k.init_mm() : mm;
  ptdesc* table = mm->pgd;
  bool rw = true, us = true, nx = false;
  for (int level = k.levels(); level >= kPte; --level) {
    pteval_t e = read_entry(table_slot(table, pt_index(va, level)));
    r.level = level;
    r.entry = e;
    if (!entry_present(e)) return r;
    rw = rw && (e & _PAGE_RW);
    us = us && (e & _PAGE_USER);
    nx = nx || (e & _PAGE_NX);
    if (entry_is_leaf(e, level)) {
      r.present = true;
      r.pa = leaf_phys(e, level, va);
      r.writable = rw;
      r.user = us;
      r.nx = nx;
      return r;
    }
    // The top-level pgd of a user mm is the mm's own; every table below a kernel-half entry
    // belongs to init_mm (pgd_ctor shares them).
    if (!frame_check_table(entry_phys(e), level - 1, owner, walker)) {
      r.failed = true;
      return r;
    }
    table = entry_to_ptdesc(e);
  }
  return r;
}

}  // namespace svafuzz::mm
