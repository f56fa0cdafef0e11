// A software lookup of one virtual address in an address space, as the hardware page walker
// would do it: the translation, the level of the leaf, and the effective permissions (R/W and
// U/S ANDed over every level, NX ORed). Used by tests, the oracle and the fuzz harness.
//
// Contract: reads each entry with READ_ONCE and applies frame_check_table to every table it
// enters (owner: init_mm for kernel-half tables, `mm` for user-half tables); a failed check is
// reported as a frame-check finding and the walk stops with present=false, failed=true. Takes
// no lock: callers that race with table frees must hold what the kernel would.
#pragma once
#include <cstdint>

#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

struct WalkResult {
  bool present = false;
  bool failed = false;     // a frame check failed on the way (finding reported)
  int level = 0;           // level of the leaf (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB), or where it stopped
  pteval_t entry = 0;      // the leaf entry (or the non-present entry that ended the walk)
  phys_addr_t pa = 0;      // translated physical address of `va`
  bool writable = false;   // effective R/W
  bool user = false;       // effective U/S
  bool nx = false;         // effective XD
  uint64_t page_size() const { return present ? level_size(level) : 0; }
};

WalkResult walk(mm_struct* mm, uint64_t va, const char* walker = "walk");

}  // namespace svafuzz::mm
