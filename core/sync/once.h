// READ_ONCE / WRITE_ONCE and the memory barriers, as interception points.
//
// Contract: a READ_ONCE/WRITE_ONCE is a single, untorn, relaxed access (what the kernel's
// macros give for naturally aligned word-sized objects) preceded by a scheduling point. The
// access goes through __atomic builtins, so ThreadSanitizer treats it as the marked access it is
// in the kernel and AddressSanitizer still checks the address (a read of a poisoned, freed frame
// is reported right here).
#pragma once
#include <atomic>
#include <type_traits>

#include "core/sync/runtime.h"

namespace svafuzz::sync {

template <class T>
T read_once(const T& x, SourceLoc loc) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "READ_ONCE of a word");
  point(Event{EventKind::kRead, &x, loc});
  T r;
  __atomic_load(&x, &r, __ATOMIC_RELAXED);
  return r;
}

template <class T, class V>
void write_once(T& x, V v, SourceLoc loc) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "WRITE_ONCE of a word");
  point(Event{EventKind::kWrite, &x, loc});
  T val = static_cast<T>(v);
  __atomic_store(&x, &val, __ATOMIC_RELAXED);
}

// Full and one-way barriers. The fence is real (the threads backend needs it); the point lets
// the controlled scheduler preempt here.
inline void barrier_point(SourceLoc loc, std::memory_order mo) {
  point(Event{EventKind::kBarrier, nullptr, loc});
  std::atomic_thread_fence(mo);
}

}  // namespace svafuzz::sync

#define READ_ONCE(x) (::svafuzz::sync::read_once((x), SVAFUZZ_HERE))
#define WRITE_ONCE(x, v) (::svafuzz::sync::write_once((x), (v), SVAFUZZ_HERE))
#define smp_mb() (::svafuzz::sync::barrier_point(SVAFUZZ_HERE, std::memory_order_seq_cst))
#define smp_rmb() (::svafuzz::sync::barrier_point(SVAFUZZ_HERE, std::memory_order_acquire))
#define smp_wmb() (::svafuzz::sync::barrier_point(SVAFUZZ_HERE, std::memory_order_release))
