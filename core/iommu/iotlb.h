// The IOTLB: cached leaf translations of first-stage walks (VT-d spec §6.2.3/§6.2.4), tagged by
// DID + PASID, one entry per 4 KiB, 2 MiB or 1 GiB page. Only successful translations are
// cached; a walk that faults (not present, U/S, R/W) leaves no IOTLB entry (SDM §4.10.2.1).
//
// Not thread-safe by itself: the owning IntelIommu serialises access with its internal lock.
#pragma once
#include <functional>
#include <unordered_map>

#include "core/iommu/cache_key.h"

namespace svafuzz::iommu {

struct IotlbEntry {
  CacheKey key;
  uint64_t va_base = 0;         // canonical, aligned to the page size
  mm::phys_addr_t pa_base = 0;  // page frame, aligned to the page size
  Perms perms;
  bool dirty = false;           // the walk set (or found) D: writes may hit without a re-walk
  uint64_t data_seq = 0;        // clock when the walk that filled this began (oracle)
  mm::mm_struct* space = nullptr;   // whose tables it was read from (oracle)
};

class Iotlb {
 public:
  // The entry translating va for (did, pasid), trying 4 KiB, 2 MiB and 1 GiB pages.
  const IotlbEntry* lookup(uint16_t did, uint32_t pasid, uint64_t va) const {
    for (int level = mm::kPte; level <= mm::kPud; ++level) {
      auto it = map_.find(cache_key(did, pasid, level, va));
      if (it != map_.end()) return &it->second;
    }
    return nullptr;
  }
  void insert(const IotlbEntry& e) { map_[e.key] = e; }
  // Removes matching entries; returns how many.
  size_t erase_if(const std::function<bool(const IotlbEntry&)>& pred) {
    size_t n = 0;
    for (auto it = map_.begin(); it != map_.end();) {
      if (pred(it->second)) {
        it = map_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& kv : map_) f(kv.second);
  }
  size_t size() const { return map_.size(); }
  void clear() { map_.clear(); }

 private:
  std::unordered_map<CacheKey, IotlbEntry, CacheKeyHash> map_;
};

}  // namespace svafuzz::iommu
