// A PCIe device behind a VT-d unit: its scalable-mode PASID table (programmed by the driver),
// an optional ATS device TLB (address translation cache), and the DMA it issues.
//
// A DMA is translated (device TLB first, when ATS is on), then touches the target: if the
// physical address is a simulated frame, the device reads or writes one word of it, so a stale
// translation to a freed data frame is an AddressSanitizer report at the access.
//
// Concurrency: the PASID table and the device TLB are protected by a host mutex (device
// hardware state; never held across a scheduling point). Lock order: unit hw lock, then device.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/iommu/intel_iommu.h"

namespace svafuzz::iommu {

struct DmaResult {
  Translation tr;
  uint64_t value = 0;      // the word read (reads), or written
  bool devtlb_hit = false;
  bool ok() const { return tr.ok(); }
};

class Device {
 public:
  Device(IntelIommu* unit, uint16_t sid, std::string name, bool ats);
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const std::string& name() const { return name_; }
  uint16_t sid() const { return sid_; }
  bool ats() const { return ats_; }
  IntelIommu& unit() const { return *unit_; }

  // PASID table (the driver's intel_pasid_setup_first_level / intel_pasid_tear_down_entry).
  void set_pasid_entry(uint32_t pasid, const PasidEntry& pe);
  void clear_pasid_entry(uint32_t pasid);
  std::optional<PasidEntry> pasid_entry(uint32_t pasid) const;

  // DMA at (pasid, va). Scheduling points: those of the translation, then kDma and the
  // READ_ONCE/WRITE_ONCE of the target word. Locks: none held by the caller.
  DmaResult dma_read(uint32_t pasid, uint64_t va);
  DmaResult dma_write(uint32_t pasid, uint64_t va, uint64_t value);

  // Device TLB (ATS): invalidation of [first, last] for pasid, as a PASID-based device-TLB
  // invalidation descriptor processed by the unit delivers it. No scheduling point.
  void devtlb_invalidate(uint32_t pasid, uint64_t first, uint64_t last, uint64_t seq);
  // The same for an invalidation request without PASID: every PASID's entries in the range.
  void devtlb_invalidate_all_pasids(uint64_t first, uint64_t last, uint64_t seq);
  std::vector<IotlbEntry> devtlb_snapshot() const;
  size_t devtlb_size() const;
  void devtlb_evict_all();

 private:
  Translation translate(uint32_t pasid, uint64_t va, Access acc, bool* devtlb_hit);
  std::optional<Translation> devtlb_lookup(uint32_t pasid, uint64_t va, Access acc) const;
  void devtlb_fill(uint32_t pasid, uint64_t va, const Translation& tr, uint64_t data_seq);
  uint64_t* target_word(mm::phys_addr_t pa) const;
  void devtlb_erase(bool any_pasid, uint32_t pasid, uint64_t first, uint64_t last,
                    uint64_t seq);

  IntelIommu* unit_;
  uint16_t sid_;
  std::string name_;
  bool ats_;
  mutable std::mutex mu_;
  std::map<uint32_t, PasidEntry> pasid_table_;
  Iotlb devtlb_;                 // tagged with did 0: a device TLB is per device already
  uint64_t last_devtlb_inval_ = 0;
};

}  // namespace svafuzz::iommu
