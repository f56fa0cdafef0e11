// Kernel::boot(): swapper_pg_dir, the boot direct map and preallocate_vmalloc_pages
// (arch/x86/kernel/head_64.S, arch/x86/mm/init.c init_mem_mapping, arch/x86/mm/init_64.c).
//
// After boot the kernel half's top-level entries never change: the direct map's second level
// comes from memblock (reserved, unmarked) and the vmalloc window's from p4d/pud_alloc_one
// (&init_mm) (marked, never freed). So no sync_global_pgds is needed and every user pgd cloned
// by pgd_ctor stays in step with swapper_pg_dir.
#include <algorithm>
#include <cassert>

#include "core/mm/kernel.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/vmalloc.h"
#include "core/sync/atomic.h"

namespace svafuzz::mm {
namespace {

// swapper_pg_dir: a static page in the kernel image. PT_reserved, never freed, not marked
// PT_kernel (it never comes from an allocator).
ptdesc* alloc_swapper_pg_dir(FrameDb& frames, int levels, mm_struct* init_mm) {
  ptdesc* pgd = frames.alloc(FrameUse::kPageTable, levels, init_mm, "swapper_pg_dir");
  assert(pgd && "frame pool too small for swapper_pg_dir");
  sync::set_bit(PT_reserved, &pgd->flags);
  return pgd;
}

// preallocate_vmalloc_pages(): "allocate all possibly required hardware page tables pointed
// to by the top hardware level": p4d_alloc(&init_mm) and, with 4-level paging only (the P4D
// is folded), pud_alloc(&init_mm). Both allocators mark the table for init_mm. The model's
// vmalloc window is one top-level slot (vmalloc.h), so one table.
void preallocate_vmalloc_pages(mm_struct* init_mm) {
  const uint64_t addr = vmalloc_model_start();
  pteval_t* pgd = pgd_offset_k(addr);
  pteval_t* p4d = p4d_alloc(init_mm, pgd, addr);
  assert(p4d && "preallocate_vmalloc_pages: p4d");
  if (pgtable_l5_enabled()) return;
  pteval_t* pud = pud_alloc(init_mm, p4d, addr);
  assert(pud && "preallocate_vmalloc_pages: pud");
  (void)pud;
}

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace

void Kernel::boot() {
  assert((opts_.levels == 4 || opts_.levels == 5) && "paging levels must be 4 or 5");
  init_mm_.pgd = alloc_swapper_pg_dir(frames_, opts_.levels, &init_mm_);
  frames_.refs().add_root(init_mm_.pgd);   // init_mm's tables are reachable from here
  // init_mem_mapping(): the direct map of boot RAM, 2 MiB pages, boot (memblock) tables.
  uint64_t ram = round_up(std::max<uint64_t>(opts_.boot_ram_bytes, frames_.ram_end()),
                          level_size(kPmd));
  opts_.boot_ram_bytes = ram;
  int err = kernel_physical_mapping_init(0, ram, /*use_2m=*/true, /*after_bootmem=*/false);
  assert(err == 0 && "frame pool too small for the boot direct map");
  (void)err;
  preallocate_vmalloc_pages(&init_mm_);
}

}  // namespace svafuzz::mm
