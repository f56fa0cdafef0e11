// The simulated kernel's mm globals: the page allocator (FrameDb), the paging mode and layout,
// init_mm with swapper_pg_dir, the user mms, and the configuration knobs of the free path.
//
// One Kernel is "current" at a time (KernelScope installs it), the way the real kernel's
// globals are: kernel-style code calls kernel() as it would name init_mm. Every agent of an
// execution shares it; tests and fuzz targets build a fresh one per execution.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/mm/frame_db.h"
#include "core/mm/kernel_profile.h"
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable_types.h"
#include "core/sync/mutex.h"
#include "core/sync/spinlock.h"

namespace svafuzz::mm {

struct KernelOptions {
  int levels = 4;                  // 4 or 5 (LA57)
  FrameDbOptions frames{};
  // CONFIG_ASYNC_KERNEL_PGTABLE_FREE (x86: selected by IOMMU_SVA). Off: pagetable_free_kernel
  // frees at once.
  bool async_kernel_pgtable_free = SVAFUZZ_ASYNC_KERNEL_PGTABLE_FREE_DEFAULT;   // build option
  // RAM mapped by the direct map at boot, in 2 MiB pages, from PA 0. Must cover the frame pool;
  // boot() rounds it up to cover FrameDb::ram_end() if it does not.
  uint64_t boot_ram_bytes = 64ULL << 20;
  // The dangling-table detector (table_refs.h) reports hot-remove's v6.19 order, which frees
  // an emptied unmarked table before it clears the entry pointing at it (free_pte_table and
  // its siblings; docs/model-mm.md §6 item 3, a documented gap), on every hot-remove that
  // frees a table. Off: those releases are not reported, every other release still is (for a
  // sequential harness whose every hot-remove would otherwise stop at this known gap).
  bool report_hot_remove_gap = true;
  // The kernel simulated (kernel_profile.h). Static; v6.19 unless a harness chooses.
  const KernelProfile* profile = &kernel_v6_19();
};

// Hooks by which the rest of the model observes or completes kernel operations.
struct KernelHooks {
  // pagetable_free_kernel() with CONFIG_ASYNC_KERNEL_PGTABLE_FREE: the free-path design under
  // test. Unset: free at once (__pagetable_free).
  std::function<void(ptdesc*)> pagetable_free_kernel;
  // CPU TLB flush of a kernel range (flush_tlb_kernel_range; flush_tlb_all passes 0..~0).
  std::function<void(uint64_t start, uint64_t end)> flush_tlb_kernel;
  // mmu_notifier_arch_invalidate_secondary_tlbs for a user range of `mm` (the SVA notifier).
  std::function<void(mm_struct*, uint64_t start, uint64_t end)> invalidate_secondary_tlbs;
  // mmu_notifier_release(mm), at the start of exit_mmap (the SVA driver tears its PASID
  // entries down: intel_mm_release).
  std::function<void(mm_struct*)> mm_release;
  // mm_pasid_drop(mm), from __mmdrop: frees mm->iommu_mm and its PASID.
  std::function<void(mm_struct*)> mm_pasid_drop;
};

class Kernel {
 public:
  explicit Kernel(KernelOptions opts = {});
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const KernelOptions& options() const { return opts_; }
  const KernelProfile& profile() const { return *opts_.profile; }
  const KernelLayout& layout() const { return *layout_; }
  int levels() const { return opts_.levels; }
  FrameDb& frames() { return frames_; }
  mm_struct& init_mm() { return init_mm_; }
  KernelHooks& hooks() { return hooks_; }

  // mm_alloc + pgd_alloc: a new user address space sharing the kernel half. Its pgd goes on
  // pgd_list and becomes a page-table root of the dangling-table detector.
  mm_struct* mm_alloc(const std::string& name);
  // The live mms (pgd_list): each stays until its last mmdrop (__mmdrop, mm_exit.h).
  const std::vector<std::unique_ptr<mm_struct>>& mms() const { return mms_; }
  // pgd_list_del: takes mm off the list (under pgd_lock) and hands it to the caller, who frees
  // it. Used by __mmdrop only. From here mm's pgd is no longer a page-table root of the
  // dangling-table detector (table_refs.h; mm_alloc made it one), so __mmdrop frees the pgd
  // after this call, never before.
  std::unique_ptr<mm_struct> mm_unlist(mm_struct* mm);

  // arch/x86/mm/pgtable.c pgd_lock: pgd_alloc/pgd_ctor and CPA's split/collapse.
  sync::spinlock_t& pgd_lock() { return pgd_lock_; }
  // arch/x86/mm/pat/set_memory.c cpa_lock: serialises __change_page_attr.
  sync::spinlock_t& cpa_lock() { return cpa_lock_; }
  // mm/memory_hotplug.c mem_hotplug_lock (a percpu rwsem in the kernel; modelled as a mutex,
  // so two readers exclude each other too): mem_hotplug_begin/done, get/put_online_mems.
  sync::mutex& mem_hotplug_lock() { return mem_hotplug_lock_; }

 private:
  void boot();

  KernelOptions opts_;
  const KernelLayout* layout_;
  FrameDb frames_;
  mm_struct init_mm_{"init_mm"};
  std::vector<std::unique_ptr<mm_struct>> mms_;
  KernelHooks hooks_;
  sync::spinlock_t pgd_lock_{"pgd_lock"};
  sync::spinlock_t cpa_lock_{"cpa_lock"};
  sync::mutex mem_hotplug_lock_{"mem_hotplug_lock"};
};

// The current kernel. Precondition: a KernelScope is live.
Kernel& kernel();
bool has_kernel();

class KernelScope {
 public:
  explicit KernelScope(Kernel* k);
  ~KernelScope();
  KernelScope(const KernelScope&) = delete;
  KernelScope& operator=(const KernelScope&) = delete;

 private:
  Kernel* prev_;
};

}  // namespace svafuzz::mm
