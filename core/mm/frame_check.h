// The type/provenance check every walker (CPU software walker, IOMMU hardware walker) applies
// to each table frame it enters. AddressSanitizer catches a read of a frame that is free and
// still poisoned; this check catches the case ASan cannot see: the frame was freed and has been
// reused (as data, or as a table of another level or address space), or, in builds without
// ASan, is simply free.
//
// Contract: call after reading the entry that points at `pa` (so ASan sees the stale read
// first) and before trusting the frame's contents. Returns true when `pa` is a live page
// table of `level` owned by `owner`; otherwise reports a frame-check finding naming the
// walker, the frame's current state and its free/alloc provenance, and returns false — the
// walker must then stop (the hardware would be reading attacker-controlled memory).
#pragma once
#include "core/mm/frame.h"
#include <string>

#include "core/sync/event.h"
#include "core/sync/finding.h"

namespace svafuzz::mm {

bool frame_check_table(phys_addr_t pa, int level, const mm_struct* owner, const char* walker,
                       sync::SourceLoc loc = SVAFUZZ_HERE);

// As above, but also requires the frame's generation to equal `generation` (a cached pointer
// that recorded the generation when it was filled: a reuse of the same frame as a table of the
// same level and owner is still caught).
bool frame_check_table_gen(phys_addr_t pa, int level, const mm_struct* owner,
                           uint64_t generation, const char* walker,
                           sync::SourceLoc loc = SVAFUZZ_HERE);

// The frame's state for a finding, taken now (the frame may be reused afterwards): for a free
// frame, its last incarnation; for a reused one, the incarnation that was freed (prev_*), and
// in both cases the kernel call that released it (ptdesc::release_site). `table_walk`: a walker
// entered the frame as a table (false: a DMA landed in it).
FindingFrame frame_snapshot(const ptdesc* pt, bool table_walk = true);

// A one-line story of a frame for reports: state, level, owner, who allocated and freed it.
std::string describe_frame(const ptdesc* pt);

}  // namespace svafuzz::mm
