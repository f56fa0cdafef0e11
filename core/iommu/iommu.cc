// The IOMMU system: units, devices, the current-system scope and the objects SVA owns.
#include "core/iommu/iommu.h"

#include <algorithm>
#include <cassert>

#include "core/mm/kernel.h"
#include "core/mm/mm_exit.h"
#include "core/mm/model_defects.h"
#include "core/sync/finding.h"
#include "core/sync/runtime.h"

namespace svafuzz::iommu {
namespace {
std::atomic<IommuSystem*> g_system{nullptr};
}  // namespace

IommuSystem::IommuSystem(IommuOptions opts) : opts_(opts) {}

bool IommuSystem::hw_runs_inline() const {
  return opts_.mode == HwMode::kSynchronous || sync::current_agent().id == sync::kNoAgent;
}
IommuSystem::~IommuSystem() = default;

IntelIommu* IommuSystem::add_unit(const std::string& name) {
  units_.push_back(std::make_unique<IntelIommu>(this, name));
  return units_.back().get();
}

Device* IommuSystem::add_device(IntelIommu* unit, const std::string& name, bool ats) {
  devices_.push_back(std::make_unique<Device>(unit, next_sid_++, name, ats));
  unit->attach_device(devices_.back().get());
  return devices_.back().get();
}

void IommuSystem::set_policy(CachePolicy* p) {
  policy_.store(p ? p : &default_policy_, std::memory_order_release);
}

void IommuSystem::install_kernel_hooks(mm::Kernel& k) {
  k.hooks().invalidate_secondary_tlbs = [this](mm::mm_struct* mm, uint64_t start,
                                               uint64_t end) {
    IommuScope scope(this);
    mmu_notifier_arch_invalidate_secondary_tlbs(mm, start, end);
  };
  k.hooks().mm_release = [this](mm::mm_struct* mm) {
    IommuScope scope(this);
    intel_mm_release(mm);
  };
  k.hooks().mm_pasid_drop = [this](mm::mm_struct* mm) { mm_pasid_drop(mm); };
}

iommu_mm_data* IommuSystem::iommu_alloc_mm_data(mm::mm_struct* mm) {
  iommu_mm_data* d = mm->iommu_mm.load(std::memory_order_acquire);
  if (d) return d;
  std::lock_guard<std::mutex> g(pasid_mu_);
  mm_data_.push_back(std::make_unique<iommu_mm_data>());
  d = mm_data_.back().get();
  // iommu_alloc_global_pasid: ida_alloc_range from IOMMU_FIRST_GLOBAL_PASID (1), lowest free.
  uint32_t pasid = 1;
  while (pasids_in_use_.count(pasid)) ++pasid;
  pasids_in_use_.insert(pasid);
  d->pasid = pasid;
  d->mm = mm;
  mm->iommu_mm.store(d, std::memory_order_release);
  return d;
}

void IommuSystem::mm_pasid_drop(mm::mm_struct* mm) {
  iommu_mm_data* d = mm->iommu_mm.exchange(nullptr, std::memory_order_acq_rel);
  if (!d) return;
  // kfree of an object still linked on iommu_sva_mms: the next walk of the list reads freed
  // memory (KASAN would report it there; this names it in every build, ASan or not).
  if (klib::list_entry_linked(&d->mm_list_elm)) {
    report_finding(Detector::kListDebug,
                   "mm_pasid_drop: iommu_mm of " + mm->name + " (pasid " + std::to_string(d->pasid) +
                       ") freed while still on iommu_sva_mms (an SVA domain outlived its mm)");
  }
  std::lock_guard<std::mutex> g(pasid_mu_);
  pasids_in_use_.erase(d->pasid);
  std::erase_if(mm_data_, [d](const auto& p) { return p.get() == d; });   // kfree(iommu_mm)
}

// intel_svm_domain_alloc: mmu_notifier_register takes an mm_count reference (mmgrab) that
// the notifier's free drops; free_domain leaves that mmdrop to the caller (see sva.cc).
dmar_domain* IommuSystem::alloc_domain(mm::mm_struct* mm) {
  domains_.push_back(std::make_unique<dmar_domain>());
  domains_.back()->mm = mm;
  if (!mm::model_defects().domain_no_mmgrab) mm::mmgrab(mm);
  return domains_.back().get();
}

void IommuSystem::free_domain(dmar_domain* d) {
  // kfree of a domain still on its mm's sva_domains: the next kernel-range invalidation walks
  // freed memory (named here in every build, ASan or not).
  if (klib::list_entry_linked(&d->next.node)) {
    report_finding(Detector::kListDebug, "iommu_domain_free: SVA domain of " + d->mm->name +
                                             " freed while still on iommu_mm->sva_domains");
  }
  std::erase_if(domains_, [d](const auto& p) { return p.get() == d; });
}

iommu_sva* IommuSystem::find_handle(Device* dev, mm::mm_struct* mm) {
  for (auto& h : handles_) {
    if (h->dev == dev && h->domain->mm == mm) return h.get();
  }
  return nullptr;
}

iommu_sva* IommuSystem::alloc_handle(Device* dev, dmar_domain* d) {
  handles_.push_back(std::make_unique<iommu_sva>());
  iommu_sva* h = handles_.back().get();
  h->dev = dev;
  h->domain = d;
  h->users = 1;
  return h;
}

void IommuSystem::free_handle(iommu_sva* h) {
  std::erase_if(handles_, [h](const auto& p) { return p.get() == h; });
}

IommuSystem& iommu_system() {
  IommuSystem* s = g_system.load(std::memory_order_acquire);
  assert(s && "no IommuScope is live");
  return *s;
}

bool has_iommu_system() { return g_system.load(std::memory_order_acquire) != nullptr; }

IommuScope::IommuScope(IommuSystem* s) : prev_(g_system.exchange(s)) {}
IommuScope::~IommuScope() { g_system.store(prev_); }

}  // namespace svafuzz::iommu
