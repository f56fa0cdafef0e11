// The interleaving signal: feedback for libFuzzer beyond edge coverage.
//
// Edge coverage cannot tell two schedules of the same code apart. Following KRACE's alias
// coverage (Xu et al., S&P 2020) and SegFuzz's interleaving segments (Jeong et al., S&P 2023),
// this folds an execution's trace into ordered pairs of conflicting events: agent A performs
// an event on an object (a page-table entry slot, a lock, an IOMMU unit's caches, a work
// item), and later a DIFFERENT agent B performs an event on the same object where at least one
// of the two writes it (write, atomic, list op, invalidation, free-path lock) — the pair
// (A's source location and kind, B's source location and kind) is one feature. A new pair is
// a new interleaving of conflicting accesses, which is what exposes a freed-page walk.
//
// The fuzz targets map the features onto libFuzzer's extra counters
// (__libfuzzer_extra_counters). The cost is one pass over the trace with a small open-addressed
// table, no allocation.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/sched/trace.h"

namespace svafuzz::scenario {

// Calls counters[pair_hash % n]++ (saturating) for every conflicting ordered pair in `trace`.
// Returns the number of pairs seen (with repetitions).
size_t fold_interleavings(const sched::Trace& trace, uint8_t* counters, size_t n);

}  // namespace svafuzz::scenario
