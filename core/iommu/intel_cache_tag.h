// The Intel VT-d driver's cache tags and range flushes (drivers/iommu/intel/cache.c, svm.c;
// docs/kernel-sources.md item 9): an SVA domain records, per unit it is attached through, an
// IOTLB tag (DID, PASID) and, per ATS device, a device-TLB tag. Flushing a range computes one
// naturally aligned power-of-two block (calculate_psi_aligned_address) and queues, unit by
// unit, a page-selective-within-PASID P_IOTLB with AM = log2 of the block (up to
// MAX_AGAW_PFN_WIDTH: the whole space), plus a PASID-based device-TLB invalidation per ATS
// device, then qi_submit_sync for that unit. cache_tag_flush_all (svm.c's (0, ULONG_MAX) case)
// queues PASID-selective P_IOTLBs and device-TLB invalidations without PASID of everything.
//
// Note on MAMV: for first-stage (SVA) domains the driver does not consult the capability
// register's MAMV (the fallback to domain-selective exists only on the second-stage path).
// The model follows the driver. SVA domains use FLPT_DEFAULT_DID on every unit
// (cache.c domain_get_id_for_dev; svm.c programs the PASID entry with it).
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "core/iommu/sva.h"
#include "core/sync/spinlock.h"

namespace svafuzz::iommu {

class IntelIommu;

enum class CacheTagType : uint8_t { kIotlb, kDevTlb };

struct cache_tag {
  CacheTagType type = CacheTagType::kIotlb;
  IntelIommu* iommu = nullptr;
  uint16_t domain_id = 0;
  uint32_t pasid = 0;
  Device* dev = nullptr;   // kDevTlb only
  int users = 0;
};

// The list link of a domain on iommu_mm->sva_domains (iommu_domain.next). A separate
// standard-layout struct so container_of is well defined in C++.
struct domain_link {
  klib::list_head node{&node, &node};
  dmar_domain* domain = nullptr;
};

// An SVA domain (struct dmar_domain of type IOMMU_DOMAIN_SVA) bound to one mm.
struct dmar_domain {
  dmar_domain() { next.domain = this, notifier.domain = this; }
  dmar_domain(const dmar_domain&) = delete;
  dmar_domain& operator=(const dmar_domain&) = delete;

  mm::mm_struct* mm = nullptr;
  int users = 0;                                    // iommu_domain.users, under iommu_sva_lock
  domain_link next;                                 // on iommu_mm->sva_domains
  domain_link notifier;                             // on iommu_mm->notifiers (its mmu_notifier)
  sync::spinlock_t cache_lock{"domain->cache_lock"};
  std::vector<cache_tag> cache_tags;                // under cache_lock
  std::map<IntelIommu*, std::pair<uint16_t, int>> dids;   // unit -> (DID, refs)
  std::vector<Device*> dev_pasids;                  // attached devices, under cache_lock
};

// Grows [start, end] (inclusive) to the smallest naturally aligned power-of-two block of pages
// containing it; returns its base and sets *mask = log2(pages) (MAX_AGAW_PFN_WIDTH when no
// block short of the whole space contains it).
constexpr uint16_t FLPT_DEFAULT_DID = 1;
uint64_t calculate_psi_aligned_address(uint64_t start, uint64_t end, unsigned long* mask);

// Flushes [start, end] (inclusive) for every tag of the domain. Takes domain->cache_lock
// (spin_lock_irqsave), and per unit the queue lock inside qi_submit_sync; returns after every
// unit's wait completed.
void cache_tag_flush_range(dmar_domain* domain, uint64_t start, uint64_t end, int ih);
void cache_tag_flush_all(dmar_domain* domain);

// svm.c's notifier callback: (0, ULONG_MAX) -> flush all; else flush [start, end - 1], ih = 0.
void intel_arch_invalidate_secondary_tlbs(dmar_domain* domain, mm::mm_struct* mm,
                                          uint64_t start, uint64_t end);

// The tag bookkeeping of attach/detach (cache_tag_assign_domain / _unassign_domain).
void cache_tag_assign_domain(dmar_domain* domain, uint16_t did, Device* dev, uint32_t pasid);
void cache_tag_unassign_domain(dmar_domain* domain, uint16_t did, Device* dev, uint32_t pasid);

}  // namespace svafuzz::iommu
