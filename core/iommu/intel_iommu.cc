// Unit bookkeeping: construction, domain IDs, devices, and cache introspection.
#include "core/iommu/intel_iommu.h"

#include "core/iommu/device.h"

namespace svafuzz::iommu {

IntelIommu::IntelIommu(IommuSystem* sys, std::string name) : sys_(sys), name_(std::move(name)) {}

uint16_t IntelIommu::alloc_did() {
  std::lock_guard<std::mutex> g(hw_mu_);
  return next_did_++;
}

void IntelIommu::attach_device(Device* dev) {
  std::lock_guard<std::mutex> g(hw_mu_);
  devices_.push_back(dev);
}

Device* IntelIommu::device_by_sid(uint16_t sid) const {
  for (Device* d : devices_) {
    if (d->sid() == sid) return d;
  }
  return nullptr;
}

std::vector<IotlbEntry> IntelIommu::iotlb_snapshot() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  std::vector<IotlbEntry> v;
  iotlb_.for_each([&](const IotlbEntry& e) { v.push_back(e); });
  return v;
}

std::vector<PscEntry> IntelIommu::psc_snapshot() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  std::vector<PscEntry> v;
  psc_.for_each([&](const PscEntry& e) { v.push_back(e); });
  return v;
}

std::vector<InvalRecord> IntelIommu::inval_log() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return std::vector<InvalRecord>(inval_log_.begin(), inval_log_.end());
}

uint64_t IntelIommu::last_wait_seq() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return last_wait_seq_;
}

std::vector<qi_desc> IntelIommu::submitted() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return std::vector<qi_desc>(submitted_.begin(), submitted_.end());
}

size_t IntelIommu::iotlb_size() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return iotlb_.size();
}

size_t IntelIommu::psc_size() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return psc_.size();
}

void IntelIommu::evict_all() {
  std::lock_guard<std::mutex> g(hw_mu_);
  iotlb_.clear();
  psc_.clear();
}

}  // namespace svafuzz::iommu
