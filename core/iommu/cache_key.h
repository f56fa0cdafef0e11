// The tag shared by the IOTLB and the paging-structure caches: DID + PASID + level + the
// linear-address bits above that level (SDM Vol. 3A §4.10.3.1; VT-d spec §6.2.4: first-stage
// caches are tagged by domain and PASID).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/mm/pgtable_types.h"

namespace svafuzz::iommu {

struct CacheKey {
  uint16_t did = 0;
  uint32_t pasid = 0;
  int level = 1;
  uint64_t vpn = 0;   // va >> level_shift(level): bits 47:x (4-level) or 56:x (5-level)

  bool operator==(const CacheKey& o) const {
    return did == o.did && pasid == o.pasid && level == o.level && vpn == o.vpn;
  }
};

struct CacheKeyHash {
  size_t operator()(const CacheKey& k) const {
    uint64_t h = k.vpn * 0x9e3779b97f4a7c15ULL;
    h ^= (static_cast<uint64_t>(k.did) << 40) ^ (static_cast<uint64_t>(k.pasid) << 8) ^
         static_cast<uint64_t>(k.level);
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

inline CacheKey cache_key(uint16_t did, uint32_t pasid, int level, uint64_t va) {
  return CacheKey{did, pasid, level, va >> mm::level_shift(level)};
}

// The combined permissions of a walk so far: R/W and U/S are ANDed over the levels, XD is ORed
// (SDM §4.10.3.1).
struct Perms {
  bool rw = true;
  bool us = true;
  bool xd = false;
  bool operator==(const Perms& o) const { return rw == o.rw && us == o.us && xd == o.xd; }
  void combine(mm::pteval_t e) {
    rw = rw && (e & mm::_PAGE_RW);
    us = us && (e & mm::_PAGE_USER);
    xd = xd || (e & mm::_PAGE_NX);
  }
};

// Whether [a_first, a_last] and [b_first, b_last] (inclusive) overlap.
constexpr bool ranges_overlap(uint64_t a_first, uint64_t a_last, uint64_t b_first,
                              uint64_t b_last) {
  return a_first <= b_last && b_first <= a_last;
}

// The inclusive VA range a cache entry at `level` covers.
inline void level_range(uint64_t va, int level, uint64_t* first, uint64_t* last) {
  uint64_t size_mask = mm::level_size(level) - 1;
  *first = va & ~size_mask;
  *last = *first | size_mask;
}

}  // namespace svafuzz::iommu
