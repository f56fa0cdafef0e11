// Typed, located scheduling points: what an agent is about to do, to which object, and where in
// the source. Every facade operation builds one of these before it touches shared state, so a
// controlled scheduler can switch agents there and a trace can say what happened.
#pragma once
#include <cstdint>

namespace svafuzz::sync {

// Where in the (simulated kernel) source an event comes from. Built with __builtin_FILE/LINE as
// default arguments, since clang 14 with libstdc++ has no std::source_location.
struct SourceLoc {
  const char* file = "?";
  uint32_t line = 0;
  // The enclosing function of the call site (__builtin_FUNCTION: unqualified, e.g.
  // "pmd_free_pte_page"), so findings and signatures can name kernel callers without line
  // numbers.
  const char* function = "?";

  // The caller's location. The builtins must be this function's own default arguments: GCC
  // evaluates a builtin nested inside another default argument (SourceLoc{__builtin_LINE()})
  // at the declaration, clang at the call; as direct default arguments both use the call site,
  // and that carries through `loc = SVAFUZZ_HERE` default arguments of facade functions.
  static constexpr SourceLoc current(const char* file = __builtin_FILE(),
                                     uint32_t line = __builtin_LINE(),
                                     const char* function = __builtin_FUNCTION()) {
    return SourceLoc{file, line, function};
  }
};

#define SVAFUZZ_HERE (::svafuzz::sync::SourceLoc::current())

// The kind of a scheduling point. Keep the list stable: trace hashes and saved reproducers name
// kinds by value. Append new kinds at the end.
enum class EventKind : uint8_t {
  kRead = 0,       // READ_ONCE of shared memory (page-table entry, flag word)
  kWrite,          // WRITE_ONCE of shared memory
  kAtomic,         // atomic read-modify-write, bitop
  kSpinAcquire,    // spin_lock attempt
  kSpinRelease,    // spin_unlock
  kMutexAcquire,   // mutex_lock attempt
  kMutexRelease,   // mutex_unlock
  kBarrier,        // smp_mb / smp_wmb / smp_rmb
  kWorkQueue,      // schedule_work
  kWorkRun,        // a kworker starts a work function
  kListOp,         // one pointer store inside a list operation
  kFrameAlloc,     // a frame leaves the allocator
  kFrameFree,      // a frame returns to the allocator
  kIommuWalk,      // the IOMMU reads a paging-structure entry or a cache entry
  kInvalidate,     // an invalidation descriptor is queued or processed
  kDma,            // a device touches a data frame
  kYield,          // explicit yield / cpu_relax
  kBlock,          // the agent cannot proceed (lock held, queue empty)
  kSpawn,          // agent start
  kExit,           // agent end
  kTlbFlush,       // CPU TLB flush (flush_tlb_kernel_range, flush_tlb_all)
  kRwsemAcquire,   // down_read / down_write (and their trylocks) attempt
  kRwsemRelease,   // up_read / up_write
  kCount
};

const char* event_kind_name(EventKind k);

// One scheduling point. `object` is the host address of the object touched (entry slot, lock,
// work item, cache entry); traces map it to a stable name through the object namer.
struct Event {
  EventKind kind = EventKind::kYield;
  const void* object = nullptr;
  SourceLoc loc{};
};

}  // namespace svafuzz::sync
