// spinlock_t with the kernel's API: spin_lock, spin_unlock, spin_trylock, spin_lock_irqsave,
// spin_unlock_irqrestore, DEFINE_SPINLOCK, __SPIN_LOCK_UNLOCKED, and guard(spinlock).
//
// Contract: spin_lock disables preemption, then loops on {scheduling point; try to take the
// lock; block on the lock}. Under the sched backend a waiter is parked until the holder unlocks
// (so a cycle of waiters is a reported deadlock, not a hang); under threads it spins. The lock
// word is a real atomic with acquire/release ordering, so ThreadSanitizer sees the
// happens-before edges the kernel's spinlocks provide. Unlocking a lock that is not held is a
// lock-misuse finding.
#pragma once
#include <atomic>

#include "core/sync/preempt.h"
#include "core/sync/runtime.h"

namespace svafuzz::sync {

struct spinlock_t {
  std::atomic<int> locked{0};
  std::atomic<AgentId> owner{kNoAgent};
  const char* name = "spinlock";

  spinlock_t() = default;
  spinlock_t(const char* n) : name(n) {}  // NOLINT: __SPIN_LOCK_UNLOCKED initialisers
  // A spinlock is an object with an identity; copying one is a bug in the model.
  spinlock_t(const spinlock_t&) = delete;
  spinlock_t& operator=(const spinlock_t&) = delete;
};

void spin_lock_init(spinlock_t* lock, const char* name = "spinlock");
void spin_lock(spinlock_t* lock, SourceLoc loc = SVAFUZZ_HERE);
bool spin_trylock(spinlock_t* lock, SourceLoc loc = SVAFUZZ_HERE);
void spin_unlock(spinlock_t* lock, SourceLoc loc = SVAFUZZ_HERE);
unsigned long spin_lock_irqsave_fn(spinlock_t* lock, SourceLoc loc = SVAFUZZ_HERE);
void spin_unlock_irqrestore(spinlock_t* lock, unsigned long flags, SourceLoc loc = SVAFUZZ_HERE);
bool spin_is_locked(const spinlock_t* lock);

// guard(spinlock)(&lock): holds the lock to the end of the enclosing scope.
class SpinGuard {
 public:
  explicit SpinGuard(spinlock_t* l, SourceLoc loc = SVAFUZZ_HERE) : l_(l), loc_(loc) {
    spin_lock(l_, loc_);
  }
  ~SpinGuard() { spin_unlock(l_, loc_); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  spinlock_t* l_;
  SourceLoc loc_;
};

}  // namespace svafuzz::sync

#define __SPIN_LOCK_UNLOCKED(x) (#x)
#define DEFINE_SPINLOCK(x) ::svafuzz::sync::spinlock_t x{#x}
#define spin_lock_irqsave(lock, flags) \
  do { (flags) = ::svafuzz::sync::spin_lock_irqsave_fn((lock), SVAFUZZ_HERE); } while (0)

// guard(spinlock)(&lock) as in <linux/cleanup.h>.
using svafuzz_guard_spinlock = ::svafuzz::sync::SpinGuard;
#define SVAFUZZ_CAT2(a, b) a##b
#define SVAFUZZ_CAT(a, b) SVAFUZZ_CAT2(a, b)
#define guard(_name) svafuzz_guard_##_name SVAFUZZ_CAT(svafuzz_guard_, __COUNTER__)
