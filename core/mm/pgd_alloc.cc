// Kernel::mm_alloc(): mm_alloc + pgd_alloc with pgd_ctor (arch/x86/mm/pgtable.c), which
// clones the kernel half (KERNEL_PGD_BOUNDARY..511) of swapper_pg_dir under pgd_lock, and
// Kernel::mm_unlist(): pgd_list_del. pgd_list is mms(); a pgd on it is a page-table root of the
// dangling-table detector (table_refs.h), from pgd_list_add to pgd_list_del.
#include <memory>
#include <optional>

#include "core/mm/kernel.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

// pgd_ctor(mm, pgd): clone_pgd_range(pgd + KERNEL_PGD_BOUNDARY, swapper_pg_dir +
// KERNEL_PGD_BOUNDARY, KERNEL_PGD_PTRS). Called under pgd_lock.
void pgd_ctor(ptdesc* pgd, ptdesc* swapper, unsigned boundary) {
  for (unsigned i = boundary; i < PTRS_PER_TABLE; ++i) {
    write_entry(table_slot(pgd, i), read_entry(table_slot(swapper, i)));
  }
}

}  // namespace

mm_struct* Kernel::mm_alloc(const std::string& name) {
  // Install this kernel as current only if it is not already: agents on real threads call
  // mm_alloc concurrently, and the current-kernel pointer is a plain global they all read.
  std::optional<KernelScope> scope;
  if (!has_kernel() || &kernel() != this) scope.emplace(this);
  auto mm = std::make_unique<mm_struct>(name);
  // __pgd_alloc: the generic allocator marks only init_mm's pgd; a user pgd is never marked.
  ptdesc* pgd = pagetable_alloc(opts_.levels, mm.get(), "pgd_alloc");
  if (!pgd) return nullptr;
  mm->pgd = pgd;
  mm_struct* out = mm.get();
  sync::spin_lock(&pgd_lock_);
  pgd_ctor(pgd, init_mm_.pgd, layout_->kernel_pgd_boundary);
  mms_.push_back(std::move(mm));   // pgd_list_add(pgd): under pgd_lock, so agents may race
  frames_.refs().add_root(pgd);
  sync::spin_unlock(&pgd_lock_);
  return out;
}

std::unique_ptr<mm_struct> Kernel::mm_unlist(mm_struct* mm) {
  std::unique_ptr<mm_struct> out;
  sync::spin_lock(&pgd_lock_);
  for (auto it = mms_.begin(); it != mms_.end(); ++it) {
    if (it->get() == mm) {
      out = std::move(*it);
      mms_.erase(it);
      break;
    }
  }
  // Off pgd_list, the pgd is no longer a page-table root: nothing is reachable through it, so
  // freeing it (and any table still linked below it) is not a dangling-table finding.
  if (out && mm->pgd) frames_.refs().remove_root(mm->pgd);
  sync::spin_unlock(&pgd_lock_);
  return out;
}

}  // namespace svafuzz::mm
