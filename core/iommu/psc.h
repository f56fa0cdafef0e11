// First-stage paging-structure caches (SDM Vol. 3A §4.10.3; VT-d spec §6.2.4.2): one cache per
// non-leaf level — PML5E (level 5), PML4E (4), PDPE (3), PDE (2) — keyed by DID + PASID + the
// linear-address bits above that level (56:48 / 47:39 / 47:30 / 47:21 with 4-level paging;
// 56:x with 5-level), each holding the physical address of the next table, the combined R/W,
// U/S and XD of the entries used so far, and (model bookkeeping) the frame generation of the
// next table at fill time, so a cached pointer into a reused frame is caught by
// frame_check_table_gen.
//
// Entries may be kept after the memory they came from changes, until a covering invalidation
// (P_IOTLB with IH=0, or PASID-selective) removes them.
//
// Not thread-safe by itself: the owning IntelIommu serialises access with its internal lock.
#pragma once
#include <functional>
#include <unordered_map>

#include "core/iommu/cache_key.h"

namespace svafuzz::iommu {

struct PscEntry {
  CacheKey key;                 // key.level: the level of the cached entry (2..5)
  uint64_t va_base = 0;         // canonical, aligned to level_size(level)
  mm::phys_addr_t next_pa = 0;  // the table of level key.level - 1
  uint64_t next_gen = 0;        // that frame's generation when the entry was cached
  mm::mm_struct* next_owner = nullptr;   // the mm that owned that table (frame check)
  Perms perms;
  uint64_t data_seq = 0;        // clock when the walk that filled this began (oracle)
  mm::mm_struct* space = nullptr;        // the PASID's mm (the walk's root)
};

class PagingStructureCache {
 public:
  const PscEntry* lookup(uint16_t did, uint32_t pasid, int level, uint64_t va) const {
    auto it = map_.find(cache_key(did, pasid, level, va));
    return it == map_.end() ? nullptr : &it->second;
  }
  void insert(const PscEntry& e) { map_[e.key] = e; }
  size_t erase_if(const std::function<bool(const PscEntry&)>& pred) {
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
  std::unordered_map<CacheKey, PscEntry, CacheKeyHash> map_;
};

}  // namespace svafuzz::iommu
