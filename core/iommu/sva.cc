// SVA bind/unbind, the iommu_sva_mms list, and iommu_sva_invalidate_kva_range
// (drivers/iommu/iommu-sva.c as of v6.19; the Intel attach/detach of drivers/iommu/intel/svm.c
// and pasid.c reduced to what the caches see).
#include "core/iommu/sva.h"

#include "core/iommu/iommu.h"
#include "core/iommu/qi.h"
#include "core/mm/kernel.h"
#include "core/mm/mm_exit.h"
#include "core/mm/mmap_lock.h"
#include "core/mm/model_defects.h"

namespace svafuzz::iommu {
namespace {

// cache.c domain_get_id_for_dev: "The driver assigns different domain IDs for all domains
// except the SVA type", which use FLPT_DEFAULT_DID. The per-unit count is kept for detach.
uint16_t domain_get_id(dmar_domain* d, IntelIommu* unit) {
  auto it = d->dids.find(unit);
  if (it != d->dids.end()) {
    it->second.second++;
    return it->second.first;
  }
  d->dids[unit] = {FLPT_DEFAULT_DID, 1};
  return FLPT_DEFAULT_DID;
}

void domain_put_id(dmar_domain* d, IntelIommu* unit) {
  auto it = d->dids.find(unit);
  if (it != d->dids.end() && --it->second.second == 0) d->dids.erase(it);
}

// intel_svm_domain_alloc's mmu_notifier_register(&domain->notifier, mm): under mmap_write_lock,
// and before the domain is attached anywhere, so from the first PASID entry on, every
// invalidation of the mm (munmap's flush) reaches the domain. (The domain joins
// iommu_mm->sva_domains, and the mm iommu_sva_mms, only after the attach: both under
// iommu_sva_lock, which the kernel-range invalidation takes too.)
void mmu_notifier_register(IommuSystem& sys, dmar_domain* d, iommu_mm_data* iommu_mm) {
  mm::mmap_write_lock(d->mm);
  {
    guard(spinlock)(&sys.mn_lock);
    list_add(&d->notifier.node, &iommu_mm->notifiers);
  }
  mm::mmap_write_unlock(d->mm);
}

void domain_add_dev(dmar_domain* d, Device* dev) {
  unsigned long flags;
  spin_lock_irqsave(&d->cache_lock, flags);
  d->dev_pasids.push_back(dev);
  spin_unlock_irqrestore(&d->cache_lock, flags);
}

void domain_del_dev(dmar_domain* d, Device* dev) {
  unsigned long flags;
  spin_lock_irqsave(&d->cache_lock, flags);
  for (auto it = d->dev_pasids.begin(); it != d->dev_pasids.end(); ++it) {
    if (*it == dev) {
      d->dev_pasids.erase(it);
      break;
    }
  }
  spin_unlock_irqrestore(&d->cache_lock, flags);
}

// intel_svm_set_dev_pasid: cache tags first, then the PASID entry
// (intel_pasid_setup_first_level: PGTT first-stage, FLPTPTR = pgd, FLPM, SRE off).
void attach_dev_pasid(dmar_domain* d, Device* dev, uint32_t pasid) {
  uint16_t did = domain_get_id(d, &dev->unit());
  cache_tag_assign_domain(d, did, dev, pasid);
  PasidEntry pe;
  pe.present = true;
  pe.pgtt = Pgtt::kFirstStage;
  pe.did = did;
  pe.flptptr = d->mm->pgd->phys();
  pe.flpm = mm::kernel().levels() == 5 ? Flpm::k5Level : Flpm::k4Level;
  pe.sre = false;
  pe.mm = d->mm;
  dev->set_pasid_entry(pasid, pe);
  domain_add_dev(d, dev);
}

// intel_pasid_tear_down_entry: clear the entry, then PASID-selective P_IOTLB and (ATS) a full
// device-TLB invalidation for the PASID, waited for with qi_submit_sync. Nothing to do if the
// entry is already gone (process exit tore it down first, or an unbind is tearing it down:
// v6.19 returns before that unbind's flush, docs/findings/exit-release-vs-unbind-teardown.md),
// unless `flush_if_clear`: the proposed fix flushes and waits anyway, with the DID every Intel
// SVA domain uses (FLPT_DEFAULT_DID, domain_get_id), so the caller returns only after the
// hardware dropped and drained what it cached for the PASID.
void tear_down_entry(Device* dev, uint32_t pasid, bool flush_if_clear = false) {
  std::optional<PasidEntry> pe = dev->pasid_entry(pasid);
  if (!pe && !flush_if_clear) return;
  const uint16_t did = pe ? pe->did : FLPT_DEFAULT_DID;
  if (pe) dev->clear_pasid_entry(pasid);
  std::vector<qi_desc> descs{qi_desc_piotlb_all(did, pasid)};
  if (dev->ats()) descs.push_back(qi_desc_dev_iotlb_pasid(dev->sid(), pasid, 0, MAX_AGAW_PFN_WIDTH));
  // Planted defect (model_defects.h mm_release_flush_not_waited): queued, never waited for.
  if (!pe && mm::model_defects().mm_release_flush_not_waited) {
    dev->unit().qi_queue(descs.data(), descs.size());
    return;
  }
  qi_submit_sync(&dev->unit(), descs.data(), descs.size());
}

// The unbind's detach (v6.19: blocking_domain_set_dev_pasid): the entry is torn down
// (intel_pasid_tear_down_entry: clear, flush, wait) while the device is still on the domain's
// list, so a concurrent process exit (intel_mm_release) still finds it; then the device
// leaves the list (domain_remove_dev_pasid), and the cache tags and the unit's DID reference
// are dropped.
void detach_dev_pasid(dmar_domain* d, Device* dev, uint32_t pasid) {
  uint16_t did = FLPT_DEFAULT_DID;
  if (std::optional<PasidEntry> pe = dev->pasid_entry(pasid)) did = pe->did;
  tear_down_entry(dev, pasid);
  domain_del_dev(d, dev);
  cache_tag_unassign_domain(d, did, dev, pasid);
  domain_put_id(d, &dev->unit());
}

}  // namespace

iommu_sva* iommu_sva_bind_device(Device* dev, mm::mm_struct* mm) {
  IommuSystem& sys = iommu_system();
  guard(mutex)(&sys.iommu_sva_lock);
  iommu_mm_data* iommu_mm = sys.iommu_alloc_mm_data(mm);
  if (iommu_sva* h = sys.find_handle(dev, mm)) {
    h->users++;
    return h;
  }
  // Reuse an SVA domain of this mm (Intel SVA domains attach through any unit).
  dmar_domain* domain;
  klib::list_head* pos;
  for (pos = iommu_mm->sva_domains.next; pos != &iommu_mm->sva_domains; pos = pos->next) {
    domain = container_of(pos, domain_link, node)->domain;
    attach_dev_pasid(domain, dev, iommu_mm->pasid);
    domain->users++;
    return sys.alloc_handle(dev, domain);
  }
  domain = sys.alloc_domain(mm);   // intel_svm_domain_alloc
  mmu_notifier_register(sys, domain, iommu_mm);
  attach_dev_pasid(domain, dev, iommu_mm->pasid);
  domain->users = 1;
  guard(spinlock)(&sys.mn_lock);
  if (list_empty(&iommu_mm->sva_domains)) {
    if (list_empty(&sys.iommu_sva_mms)) sys.iommu_sva_present = true;
    list_add(&iommu_mm->mm_list_elm, &sys.iommu_sva_mms);
  }
  list_add(&domain->next.node, &iommu_mm->sva_domains);
  return sys.alloc_handle(dev, domain);
}

namespace {

// The locked part of the unbind; returns the mm whose reference the freed domain's notifier
// held (nullptr if no domain was freed).
mm::mm_struct* unbind_locked(IommuSystem& sys, iommu_sva* handle) {
  guard(mutex)(&sys.iommu_sva_lock);
  if (--handle->users) return nullptr;
  dmar_domain* domain = handle->domain;
  mm::mm_struct* mm = domain->mm;
  iommu_mm_data* iommu_mm = mm->iommu_mm.load(std::memory_order_acquire);
  detach_dev_pasid(domain, handle->dev, iommu_mm->pasid);
  sys.free_handle(handle);
  mm::mm_struct* drop = nullptr;
  if (--domain->users == 0) {
    {
      guard(spinlock)(&sys.mn_lock);
      if (!mm::model_defects().unbind_keeps_listed) list_del(&domain->next.node);
      list_del(&domain->notifier.node);   // mmu_notifier_put (its mmdrop: below)
    }
    sys.free_domain(domain);
    drop = mm;
  }
  guard(spinlock)(&sys.mn_lock);
  if (list_empty(&iommu_mm->sva_domains)) {
    list_del(&iommu_mm->mm_list_elm);
    if (list_empty(&sys.iommu_sva_mms)) sys.iommu_sva_present = false;
  }
  return drop;
}

}  // namespace

void iommu_sva_unbind_device(iommu_sva* handle) {
  IommuSystem& sys = iommu_system();
  mm::mm_struct* drop = unbind_locked(sys, handle);
  // iommu_domain_free -> mmu_notifier_put: the notifier's mmdrop runs after an SRCU grace
  // period, i.e. after the unbind; the model drops the reference when the unbind returns. It
  // may be the mm's last (the process already exited): __mmdrop then frees the pgd, the mm and
  // its iommu_mm.
  if (drop && !mm::model_defects().domain_no_mmgrab) mm::mmdrop(drop);
}

void intel_mm_release(mm::mm_struct* mm) {
  IommuSystem& sys = iommu_system();
  iommu_mm_data* iommu_mm = mm->iommu_mm.load(std::memory_order_acquire);
  if (!iommu_mm) return;
  const bool flush_cleared = mm::kernel().profile().mm_release_flushes_cleared_entry;
  guard(spinlock)(&sys.mn_lock);   // the notifier list walk (SRCU in the kernel)
  domain_link* link;
  list_for_each_entry(link, &iommu_mm->notifiers, node) {
    dmar_domain* d = link->domain;
    unsigned long flags;
    spin_lock_irqsave(&d->cache_lock, flags);   // domain->lock over dev_pasids
    // kernel_profile.h mm_release_flushes_cleared_entry: the proposed fix.
    for (Device* dev : d->dev_pasids) tear_down_entry(dev, iommu_mm->pasid, flush_cleared);
    spin_unlock_irqrestore(&d->cache_lock, flags);
  }
}

void mmu_notifier_arch_invalidate_secondary_tlbs(mm::mm_struct* mm, uint64_t start,
                                                 uint64_t end) {
  IommuSystem& sys = iommu_system();
  // After mmu_notifier_release (exit_mmap) the mm has no notifier subscriptions left.
  if (mm->notifiers_released.load(std::memory_order_acquire)) return;
  iommu_mm_data* iommu_mm = mm->iommu_mm.load(std::memory_order_acquire);
  if (!iommu_mm) return;
  guard(spinlock)(&sys.mn_lock);
  domain_link* link;
  list_for_each_entry(link, &iommu_mm->notifiers, node) {
    intel_arch_invalidate_secondary_tlbs(link->domain, mm, start, end);
  }
}

void iommu_sva_invalidate_kva_range(uint64_t start, uint64_t end) {
  IommuSystem& sys = iommu_system();
  guard(mutex)(&sys.iommu_sva_lock);
  if (!sys.iommu_sva_present) return;
  iommu_mm_data* iommu_mm;
  list_for_each_entry(iommu_mm, &sys.iommu_sva_mms, mm_list_elm) {
    mmu_notifier_arch_invalidate_secondary_tlbs(iommu_mm->mm, start, end);
  }
}

}  // namespace svafuzz::iommu
