// The IOMMU system: units, devices, the current-system scope and the objects SVA owns.
#include "core/iommu/iommu.h"

#include <algorithm>
#include <cassert>

#include "core/mm/kernel.h"

namespace svafuzz::iommu {
namespace {
std::atomic<IommuSystem*> g_system{nullptr};
}  // namespace

IommuSystem::IommuSystem(IommuOptions opts) : opts_(opts) {}
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
}

iommu_mm_data* IommuSystem::iommu_alloc_mm_data(mm::mm_struct* mm) {
  iommu_mm_data* d = mm->iommu_mm.load(std::memory_order_acquire);
  if (d) return d;
  mm_data_.push_back(std::make_unique<iommu_mm_data>());
  d = mm_data_.back().get();
  d->pasid = next_pasid_++;
  d->mm = mm;
  mm->iommu_mm.store(d, std::memory_order_release);
  return d;
}

dmar_domain* IommuSystem::alloc_domain(mm::mm_struct* mm) {
  domains_.push_back(std::make_unique<dmar_domain>());
  domains_.back()->mm = mm;
  return domains_.back().get();
}

void IommuSystem::free_domain(dmar_domain* d) {
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
