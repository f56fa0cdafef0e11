// struct mm_struct: an address space. init_mm owns swapper_pg_dir; user mms get their own pgd
// whose kernel half is cloned from swapper_pg_dir by pgd_ctor, so every mm (and so every SVA
// PASID) points at the same kernel PUD/PMD/PTE tables (BRIEF §1).
#pragma once
#include <atomic>
#include <string>

#include "core/mm/frame.h"
#include "core/sync/rwsem.h"
#include "core/sync/spinlock.h"

namespace svafuzz::iommu {
struct iommu_mm_data;
}

namespace svafuzz::mm {

struct mm_struct {
  explicit mm_struct(std::string n) : name(std::move(n)) {}
  mm_struct(const mm_struct&) = delete;
  mm_struct& operator=(const mm_struct&) = delete;

  std::string name;
  ptdesc* pgd = nullptr;                 // top-level table (PML4, or PML5 with LA57)
  sync::spinlock_t page_table_lock{"mm->page_table_lock"};
  sync::rw_semaphore mmap_lock{"mm->mmap_lock"};   // core/mm/mmap_lock.h
  // SVA state (drivers/iommu/iommu-sva.c): set on first bind, owned by the IOMMU model.
  std::atomic<iommu::iommu_mm_data*> iommu_mm{nullptr};
  // mm_count (mmgrab/mmdrop, core/mm/mm_exit.h): the process's own reference plus one per
  // SVA domain (its mmu_notifier). The last mmdrop frees the pgd and the mm.
  std::atomic<int> mm_count{1};
  // Set by exit_mmap after mmu_notifier_release: the mm's notifier subscriptions are gone, so
  // no later invalidation of this mm reaches a secondary TLB.
  std::atomic<bool> notifiers_released{false};
};

}  // namespace svafuzz::mm
