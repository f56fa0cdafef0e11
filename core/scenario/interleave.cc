// fold_interleavings (interleave.h).
#include "core/scenario/interleave.h"

#include <cstring>

namespace svafuzz::scenario {
namespace {

using sync::EventKind;

bool is_write(EventKind k) {
  switch (k) {
    case EventKind::kWrite:
    case EventKind::kAtomic:
    case EventKind::kListOp:
    case EventKind::kInvalidate:
    case EventKind::kSpinAcquire:
    case EventKind::kMutexAcquire:
    case EventKind::kRwsemAcquire:
    case EventKind::kWorkQueue:
    case EventKind::kWorkRun:
    case EventKind::kTlbFlush:
      return true;
    default:
      return false;
  }
}

bool is_access(EventKind k) {
  return is_write(k) || k == EventKind::kRead || k == EventKind::kIommuWalk || k == EventKind::kDma;
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

uint64_t site(const sched::TraceEntry& e) {
  return mix(reinterpret_cast<uintptr_t>(e.loc.file) * 31 + e.loc.line * 8 + uint64_t(e.kind));
}

// Last access per object: a fixed open-addressed table (collisions overwrite: a lossy signal
// is fine, an allocation per execution is not).
struct Slot {
  const void* obj;
  uint64_t site;
  uint32_t agent;
  bool write;
  uint32_t gen;   // the fold that wrote it: older slots read as empty (no memset per fold)
};
constexpr size_t kSlots = 4096;

}  // namespace

size_t fold_interleavings(const sched::Trace& trace, uint8_t* counters, size_t n) {
  static thread_local Slot table[kSlots];
  static thread_local uint32_t gen = 0;
  if (++gen == 0) {   // wrapped: clear once, so generation 0 never matches a live fold
    std::memset(table, 0, sizeof table);
    gen = 1;
  }
  size_t pairs = 0;
  for (const sched::TraceEntry& e : trace.entries()) {
    if (!e.object || !is_access(e.kind)) continue;
    Slot& s = table[mix(reinterpret_cast<uintptr_t>(e.object)) % kSlots];
    uint64_t here = site(e);
    bool w = is_write(e.kind);
    if (s.gen == gen && s.obj == e.object && s.agent != e.agent && (s.write || w)) {
      uint8_t& c = counters[mix(s.site * 3 + here) % n];
      if (c < 255) ++c;
      ++pairs;
    }
    s = Slot{e.object, here, e.agent, w, gen};
  }
  return pairs;
}

}  // namespace svafuzz::scenario
