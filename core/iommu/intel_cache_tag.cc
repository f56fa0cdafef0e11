// cache.c's range flush and svm.c's notifier callback (docs/kernel-sources.md item 9).
#include "core/iommu/intel_cache_tag.h"

#include <algorithm>

#include "core/iommu/device.h"
#include "core/iommu/intel_iommu.h"
#include "core/iommu/qi.h"
#include "core/mm/model_defects.h"

namespace svafuzz::iommu {
namespace {

constexpr size_t QI_MAX_BATCHED_DESC_COUNT = 16;

// aligned_nrpages(start, size), computed without wrapping (the kernel's unsigned long would
// wrap for a range ending at ~0; the model saturates instead).
unsigned __int128 aligned_nrpages(uint64_t host_addr, unsigned __int128 size) {
  unsigned __int128 end = (host_addr & (VTD_PAGE_SIZE - 1)) + size;
  return (end + VTD_PAGE_SIZE - 1) >> VTD_PAGE_SHIFT;
}

unsigned ceil_log2(unsigned __int128 v) {
  unsigned n = 0;
  while ((static_cast<unsigned __int128>(1) << n) < v) ++n;
  return n;
}

struct QiBatch {
  IntelIommu* iommu = nullptr;
  std::vector<qi_desc> descs;

  void flush() {
    if (iommu && !descs.empty()) qi_submit_sync(iommu, descs.data(), descs.size());
    descs.clear();
  }
  void add(IntelIommu* unit, const qi_desc& d) {
    if (iommu && iommu != unit) flush();
    iommu = unit;
    descs.push_back(d);
    if (descs.size() == QI_MAX_BATCHED_DESC_COUNT) flush();
  }
};

// cache.c cache_tag_flush_iotlb for first-stage (SVA) domains -> qi_batch_add_piotlb:
// npages == -1 is PASID-selective; any other count is page-selective within PASID with
// AM = ilog2(roundup_pow_of_two(npages)) (qi_desc_piotlb), even when that is the full width.
void cache_tag_flush_iotlb(QiBatch& b, const cache_tag& tag, uint64_t addr, int64_t npages,
                           int ih) {
  if (npages == 0) return;   // "0 is not a valid input"
  if (npages < 0) {
    b.add(tag.iommu, qi_desc_piotlb_all(tag.domain_id, tag.pasid));
    return;
  }
  unsigned am = ceil_log2(static_cast<unsigned __int128>(npages));
  b.add(tag.iommu, qi_desc_piotlb(tag.domain_id, tag.pasid, addr, am, ih != 0));
}

// cache_tag_flush_devtlb_psi for a PASID tag: a PASID-based device-TLB invalidation.
void cache_tag_flush_devtlb_psi(QiBatch& b, const cache_tag& tag, uint64_t addr,
                                unsigned long mask) {
  b.add(tag.iommu, qi_desc_dev_iotlb_pasid(tag.dev->sid(), tag.pasid, addr,
                                           static_cast<unsigned>(mask)));
}

// cache_tag_flush_devtlb_all: a device-TLB invalidation without PASID of everything.
void cache_tag_flush_devtlb_all(QiBatch& b, const cache_tag& tag) {
  b.add(tag.iommu, qi_desc_dev_iotlb(tag.dev->sid(), 0, MAX_AGAW_PFN_WIDTH));
}

}  // namespace

uint64_t calculate_psi_aligned_address(uint64_t start, uint64_t end, unsigned long* mask_out) {
  unsigned __int128 pages =
      aligned_nrpages(start, static_cast<unsigned __int128>(end) - start + 1);
  unsigned long mask = ceil_log2(pages);
  unsigned __int128 aligned_pages = static_cast<unsigned __int128>(1) << mask;
  unsigned __int128 bitmask = aligned_pages - 1;
  uint64_t pfn = start >> VTD_PAGE_SHIFT;
  if (mask >= MAX_AGAW_PFN_WIDTH) {
    mask = MAX_AGAW_PFN_WIDTH;
  } else if (bitmask & pfn) {
    // Not aligned to the size: the lowest bit above the size where start and end agree.
    uint64_t end_pfn = pfn + static_cast<uint64_t>(pages) - 1;
    uint64_t shared_bits = ~(pfn ^ end_pfn) & ~static_cast<uint64_t>(bitmask);
    // Only the 52 PFN bits exist; above them start and end always "agree".
    shared_bits &= (1ULL << MAX_AGAW_PFN_WIDTH) - 1;
    mask = shared_bits ? static_cast<unsigned long>(__builtin_ctzll(shared_bits))
                       : MAX_AGAW_PFN_WIDTH;
  }
  *mask_out = mask;
  if (mask >= MAX_AGAW_PFN_WIDTH) return 0;
  return start & ~((VTD_PAGE_SIZE << mask) - 1);
}

void cache_tag_flush_range(dmar_domain* domain, uint64_t start, uint64_t end, int ih) {
  unsigned long mask;
  uint64_t addr = calculate_psi_aligned_address(start, end, &mask);
  // *_pages = aligned_pages = 1 << mask, mask <= MAX_AGAW_PFN_WIDTH: page-selective.
  int64_t pages = static_cast<int64_t>(1ULL << mask);
  unsigned long flags;
  spin_lock_irqsave(&domain->cache_lock, flags);
  QiBatch batch;
  for (const cache_tag& tag : domain->cache_tags) {
    // Planted defect: only the first unit's tags (the tags are kept grouped by unit).
    if (mm::model_defects().flush_first_unit_only && tag.iommu != domain->cache_tags.front().iommu) break;
    if (tag.type == CacheTagType::kIotlb) {
      cache_tag_flush_iotlb(batch, tag, addr, pages, ih);
    } else {
      cache_tag_flush_devtlb_psi(batch, tag, addr, mask);
    }
  }
  batch.flush();
  spin_unlock_irqrestore(&domain->cache_lock, flags);
}

void cache_tag_flush_all(dmar_domain* domain) {
  unsigned long flags;
  spin_lock_irqsave(&domain->cache_lock, flags);
  QiBatch batch;
  for (const cache_tag& tag : domain->cache_tags) {
    if (tag.type == CacheTagType::kIotlb) {
      cache_tag_flush_iotlb(batch, tag, 0, -1, 0);
    } else {
      cache_tag_flush_devtlb_all(batch, tag);
    }
  }
  batch.flush();
  spin_unlock_irqrestore(&domain->cache_lock, flags);
}

void intel_arch_invalidate_secondary_tlbs(dmar_domain* domain, mm::mm_struct* mm,
                                          uint64_t start, uint64_t end) {
  (void)mm;
  if (start == 0 && end == ~0ULL) {
    cache_tag_flush_all(domain);
    return;
  }
  // mm passes an exclusive end; the IOMMU takes an inclusive last address.
  cache_tag_flush_range(domain, start, end - 1, 0);
}

namespace {

void tag_get(dmar_domain* d, const cache_tag& want) {
  for (cache_tag& t : d->cache_tags) {
    if (t.type == want.type && t.iommu == want.iommu && t.domain_id == want.domain_id &&
        t.pasid == want.pasid && t.dev == want.dev) {
      t.users++;
      return;
    }
  }
  // cache_tag_assign: "Link cache tags of same iommu unit together, so corresponding flush
  // ops can be batched for iommu unit": list_add() after the unit's last tag, or after the
  // list head (at the front) when the unit has none yet. Positions, never host addresses: an
  // order by unit pointer (as this model once sorted) made the flush order, and with it a
  // reproducer's interleaving, depend on heap layout.
  size_t at = 0;
  for (size_t i = 0; i < d->cache_tags.size(); ++i) {
    if (d->cache_tags[i].iommu == want.iommu) at = i + 1;
  }
  auto it = d->cache_tags.insert(d->cache_tags.begin() + static_cast<std::ptrdiff_t>(at), want);
  it->users = 1;
}

void tag_put(dmar_domain* d, const cache_tag& want) {
  for (auto it = d->cache_tags.begin(); it != d->cache_tags.end(); ++it) {
    if (it->type == want.type && it->iommu == want.iommu && it->domain_id == want.domain_id &&
        it->pasid == want.pasid && it->dev == want.dev) {
      if (--it->users == 0) d->cache_tags.erase(it);
      return;
    }
  }
}

std::vector<cache_tag> tags_for(uint16_t did, Device* dev, uint32_t pasid) {
  std::vector<cache_tag> v{{CacheTagType::kIotlb, &dev->unit(), did, pasid, nullptr, 0}};
  if (dev->ats()) v.push_back({CacheTagType::kDevTlb, &dev->unit(), did, pasid, dev, 0});
  return v;
}

}  // namespace

void cache_tag_assign_domain(dmar_domain* domain, uint16_t did, Device* dev, uint32_t pasid) {
  unsigned long flags;
  spin_lock_irqsave(&domain->cache_lock, flags);
  for (const cache_tag& t : tags_for(did, dev, pasid)) tag_get(domain, t);
  spin_unlock_irqrestore(&domain->cache_lock, flags);
}

void cache_tag_unassign_domain(dmar_domain* domain, uint16_t did, Device* dev, uint32_t pasid) {
  unsigned long flags;
  spin_lock_irqsave(&domain->cache_lock, flags);
  for (const cache_tag& t : tags_for(did, dev, pasid)) tag_put(domain, t);
  spin_unlock_irqrestore(&domain->cache_lock, flags);
}

}  // namespace svafuzz::iommu
