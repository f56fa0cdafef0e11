// Reading and writing paging-structure entries in simulated frames, and following an entry to
// the table it points at. Every access goes through READ_ONCE/WRITE_ONCE, so it is a scheduling
// point, a ThreadSanitizer-visible marked access, and (for a freed, poisoned frame) an
// AddressSanitizer report at the exact read. Every write is followed by the reverse map's
// update (table_refs.h) for the dangling-table detector: host bookkeeping, no scheduling point.
#pragma once
#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"
#include "core/sync/once.h"

namespace svafuzz::mm {

// The slot of entry `idx` in table `pt` (the kernel's pte_offset/pmd_offset result).
inline pteval_t* table_slot(ptdesc* pt, unsigned idx) { return pt->entries() + idx; }

inline pteval_t read_entry(const pteval_t* slot, sync::SourceLoc loc = SVAFUZZ_HERE) {
  return sync::read_once(*slot, loc);
}
// After a write of *slot: records the entry in the current kernel's reverse map of table
// entries if *slot is inside a live table frame (table_refs.cc). Not a scheduling point.
void note_entry_write(const pteval_t* slot);

inline void write_entry(pteval_t* slot, pteval_t v, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::write_once(*slot, v, loc);
  note_entry_write(slot);
}
inline void clear_entry(pteval_t* slot, sync::SourceLoc loc = SVAFUZZ_HERE) {
  sync::write_once(*slot, pteval_t{0}, loc);
  note_entry_write(slot);
}

// A table entry pointing at `next` with the given flags (pmd_populate_kernel and friends).
inline pteval_t mk_table_entry(const ptdesc* next, pteval_t flags) {
  return (next->phys() & PTE_PFN_MASK) | flags;
}

// The descriptor of the frame a present non-leaf entry points at, from the current kernel's
// frame database (pmd_page / pud_page). nullptr when the address is not a simulated frame.
ptdesc* entry_to_ptdesc(pteval_t e);

}  // namespace svafuzz::mm
