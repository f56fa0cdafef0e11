// The IOMMU cache oracle: every cached translation (IOTLB, device TLB) and paging-structure
// entry must agree with a fresh walk of the current tables, or be explained by a change that
// no completed, covering invalidation has yet removed.
//
// The pending-change ledger has two sources:
//  - notes: a harness that changes page tables (the fuzzer's program executor, a scenario, an
//    mm hook) calls note_change(space, first, last) for every entry it changes that might be
//    cached. A note stays pending for a cache entry until an invalidation covering the entry's
//    range for its (DID, PASID) — or its device, for a device TLB — was processed after the
//    note AND a later invalidation-wait completed on that unit. In strict mode every change
//    must be noted: a stale entry not covered by a pending note is a finding.
//  - diffing (strict mode off, for harnesses that do not note changes): a stale entry is a
//    finding only if a covering invalidation processed after the walk that filled it began has
//    completed — i.e. the hardware model kept an entry it was told to drop.
// Differences in A/D bits are not changes (the hardware sets them itself).
//
// Harness code: takes no scheduling points and reads table entries with plain atomic loads
// from live table frames only (never a freed frame). Findings: Detector::kOracle.
#pragma once
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace svafuzz::mm {
struct mm_struct;
}

namespace svafuzz::iommu {

class IommuSystem;

struct OracleStats {
  size_t entries = 0;   // cache entries checked
  size_t stale = 0;     // disagreeing with the tables
  size_t pending = 0;   // of which explained by a pending change
  size_t findings = 0;  // of which unexplained (reported)
};

class IommuOracle {
 public:
  explicit IommuOracle(IommuSystem& sys, bool strict = false) : sys_(sys), strict_(strict) {}

  // Records a change of the entries mapping [first, last] in `space` (an mm; &init_mm for the
  // kernel half, which every mm shares). Thread-safe.
  void note_change(const mm::mm_struct* space, uint64_t first, uint64_t last);

  // Checks every unit's IOTLB and paging-structure cache and every device TLB. Reports each
  // unexplained stale entry as a kOracle finding. Thread-safe.
  OracleStats check();

 private:
  struct Note {
    const mm::mm_struct* space;
    uint64_t first, last, seq;
  };
  IommuSystem& sys_;
  bool strict_;
  mutable std::mutex mu_;
  std::deque<Note> notes_;
};

}  // namespace svafuzz::iommu
