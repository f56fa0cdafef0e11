// A PCIe device behind a VT-d unit: its scalable-mode PASID table (programmed by the driver),
// an optional ATS device TLB (address translation cache), and the DMA it issues.
//
// A DMA is translated (device TLB first, when ATS is on), then touches the target: if the
// physical address is a simulated frame, the device reads or writes one word of it, so a stale
// translation to a freed data frame is an AddressSanitizer report at the access.
//
// Draining (VT-d rev 5.10 §6.5.4): a DMA is in flight from the lookup of its translation (the
// unit's IOTLB, or the device TLB) to the end of its memory access, and invalidation waits
// complete only once the DMA they cover is drained. Without ATS the DMA is an untranslated
// request, drained by the unit (IntelIommu::translate's `hold`). With ATS it is a translated
// request: "Endpoint devices supporting
// Address Translation Services (ATS) are required to wait for pending translated read responses
// ... before issuing the ATS invalidation completion message", and the completion pushes the
// device's writes ahead of it, so a device-TLB invalidation is complete only once every DMA of
// the device begun before it has finished (translated_drained). An ATS translation completion
// for a request that was outstanding when a device-TLB invalidation arrived is discarded and
// the translation asked for again, so it is neither cached nor used.
//
// Concurrency: the PASID table and the device TLB are protected by a host mutex (device
// hardware state; never held across a scheduling point). Lock order: unit hw lock, then device.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
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
  // True when no translated (ATS) DMA that began before this device's last device-TLB
  // invalidation is still in flight: the device could send its invalidation completion. Called
  // by the unit with its hw lock held (lock order: unit, then device). No scheduling point.
  bool translated_drained() const;
  std::vector<IotlbEntry> devtlb_snapshot() const;
  size_t devtlb_size() const;
  void devtlb_evict_all();

 private:
  struct InFlight;   // a DMA's in-flight record for draining (device.cc)
  Translation translate(uint32_t pasid, uint64_t va, Access acc, bool* devtlb_hit,
                        InFlight* req);
  std::optional<Translation> devtlb_lookup(uint32_t pasid, uint64_t va, Access acc,
                                           uint64_t* hold);
  bool ats_complete(uint32_t pasid, uint64_t va, const Translation& tr, uint64_t data_seq,
                    uint64_t* hold);
  uint64_t* target_word(mm::phys_addr_t pa) const;
  void check_target(mm::phys_addr_t pa, const char* what) const;
  void devtlb_erase(bool any_pasid, uint32_t pasid, uint64_t first, uint64_t last,
                    uint64_t seq);
  uint64_t hold_locked();   // mu_ held: starts a translated DMA's in-flight record
  void end_translated(uint64_t start);

  IntelIommu* unit_;
  uint16_t sid_;
  std::string name_;
  bool ats_;
  mutable std::mutex mu_;
  std::map<uint32_t, PasidEntry> pasid_table_;
  Iotlb devtlb_;                 // tagged with did 0: a device TLB is per device already
  uint64_t last_devtlb_inval_ = 0;
  std::multiset<uint64_t> translated_in_flight_;   // ATS: start clocks of DMA in flight
};

}  // namespace svafuzz::iommu
