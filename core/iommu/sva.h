// Shared Virtual Addressing bind/unbind and the kernel-address-space invalidation, with
// mainline v6.19's lifetimes (drivers/iommu/iommu-sva.c; docs/kernel-sources.md item 8):
//  - one iommu_mm_data per mm (mm->iommu_mm), holding the mm's global PASID and its SVA domains;
//  - the global list iommu_sva_mms and flag iommu_sva_present, both under the mutex
//    iommu_sva_lock: an mm joins the list when its first SVA domain is created and leaves when
//    its last domain goes (the first joiner sets iommu_sva_present, the last leaver clears it);
//  - iommu_sva_invalidate_kva_range(start, end): guard(mutex)(&iommu_sva_lock); return if
//    !iommu_sva_present; call mmu_notifier_arch_invalidate_secondary_tlbs for every listed mm.
// The Intel side of a domain (struct dmar_domain: per-unit DIDs, cache tags) is in
// intel_cache_tag.h.
#pragma once
#include <cstdint>

#include "core/klib/list.h"
#include "core/mm/mm_struct.h"

namespace svafuzz::iommu {

class Device;
struct dmar_domain;

struct iommu_mm_data {
  uint32_t pasid = 0;
  mm::mm_struct* mm = nullptr;
  klib::list_head sva_domains{&sva_domains, &sva_domains};
  // Stands for mm->notifier_subscriptions, holding the SVA domains' notifiers (domain->notifier
  // links): registered when a domain is allocated, before its attach; removed at its free.
  klib::list_head notifiers{&notifiers, &notifiers};
  klib::list_head mm_list_elm{&mm_list_elm, &mm_list_elm};
};

// The handle iommu_sva_bind_device returns (struct iommu_sva / its attach handle).
struct iommu_sva {
  Device* dev = nullptr;
  dmar_domain* domain = nullptr;
  int users = 0;
};

// Binds mm to dev: allocates mm->iommu_mm and its PASID on first use, reuses an existing handle
// for (dev, mm) (users++), else attaches an existing SVA domain of the mm or creates one. The
// mm joins iommu_sva_mms when its first domain is created. Takes iommu_sva_lock (may sleep:
// might_sleep). Precondition: an IommuScope is live and mm->pgd is set.
iommu_sva* iommu_sva_bind_device(Device* dev, mm::mm_struct* mm);

// Drops one reference; on the last, detaches the domain from the device (PASID entry torn
// down, PASID-selective IOTLB and device-TLB flush through qi_submit_sync), frees the domain at
// its last user, and removes the mm from iommu_sva_mms when it has no domain left (clearing
// iommu_sva_present when the list empties). Takes iommu_sva_lock. After it returns, a freed
// domain's mm_count reference is dropped (mmdrop), which may free the mm (mm_exit.h).
void iommu_sva_unbind_device(iommu_sva* handle);

// Flushes the IOMMU's caches for the kernel range [start, end) of every SVA-bound mm (end may be
// TLB_FLUSH_ALL = ~0). Takes iommu_sva_lock (sleeps: might_sleep), then each mm's notifier.
// Returns when every queued invalidation has completed (qi_submit_sync).
void iommu_sva_invalidate_kva_range(uint64_t start, uint64_t end);

// mmu_notifier_release for the SVA domains of mm (intel_mm_release, drivers/iommu/intel/svm.c):
// at the start of exit_mmap, every device attached to one of mm's SVA domains has its PASID
// entry torn down (cleared and flushed), so no device walks the tables exit_mmap is about to
// free; the handles stay until the driver unbinds. Takes the notifier spinlock and each
// domain's cache_lock (never iommu_sva_lock: bind takes mmap_lock under it).
void intel_mm_release(mm::mm_struct* mm);

// The secondary-TLB notifier chain of mm: calls intel_arch_invalidate_secondary_tlbs for each
// SVA domain whose notifier is registered on mm. The kernel walks the notifiers under SRCU;
// the model walks iommu_mm->notifiers under the system's notifier spinlock (more exclusive
// than SRCU: a release or flush of one mm and a notifier walk never overlap in the model).
void mmu_notifier_arch_invalidate_secondary_tlbs(mm::mm_struct* mm, uint64_t start,
                                                 uint64_t end);

constexpr uint64_t TLB_FLUSH_ALL = ~0ULL;

}  // namespace svafuzz::iommu
