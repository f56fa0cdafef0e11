// struct mutex with the kernel's API: mutex_lock, mutex_unlock, mutex_trylock, DEFINE_MUTEX.
//
// Contract: mutex_lock may sleep, so it starts with might_sleep() (a finding when called with a
// spinlock held or interrupts off: BRIEF §7 shape 6, iommu_sva_lock taken under the list
// spinlock). Waiters block on the mutex and are woken by mutex_unlock; acquire/release ordering
// as for spinlocks.
#pragma once
#include <atomic>

#include "core/sync/preempt.h"
#include "core/sync/runtime.h"

namespace svafuzz::sync {

struct mutex {
  std::atomic<int> locked{0};
  std::atomic<AgentId> owner{kNoAgent};
  const char* name = "mutex";

  mutex() = default;
  mutex(const char* n) : name(n) {}  // NOLINT: DEFINE_MUTEX initialisers
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
};

void mutex_init(mutex* m, const char* name = "mutex");
void mutex_lock(mutex* m, SourceLoc loc = SVAFUZZ_HERE);
bool mutex_trylock(mutex* m, SourceLoc loc = SVAFUZZ_HERE);
void mutex_unlock(mutex* m, SourceLoc loc = SVAFUZZ_HERE);
bool mutex_is_locked(const mutex* m);

class MutexGuard {
 public:
  explicit MutexGuard(mutex* m, SourceLoc loc = SVAFUZZ_HERE) : m_(m), loc_(loc) {
    mutex_lock(m_, loc_);
  }
  ~MutexGuard() { mutex_unlock(m_, loc_); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  mutex* m_;
  SourceLoc loc_;
};

}  // namespace svafuzz::sync

using svafuzz_guard_mutex = ::svafuzz::sync::MutexGuard;
#define DEFINE_MUTEX(x) ::svafuzz::sync::mutex x{#x}
