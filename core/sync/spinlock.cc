// spinlock_t on top of the runtime's point/block/wake.
#include "core/sync/spinlock.h"

#include <string>

#include "core/sync/finding.h"

namespace svafuzz::sync {
namespace {

bool try_take(spinlock_t* lock) {
  int expected = 0;
  if (!lock->locked.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
    return false;
  }
  lock->owner.store(current_agent().id, std::memory_order_relaxed);
  return true;
}

}  // namespace

void spin_lock_init(spinlock_t* lock, const char* name) {
  lock->locked.store(0, std::memory_order_relaxed);
  lock->owner.store(kNoAgent, std::memory_order_relaxed);
  lock->name = name;
}

// The kernel's spinlock debugging ("BUG: spinlock recursion"): the caller already holds the
// lock, so waiting for it can never end. Reported once, at the first failed attempt; the wait
// then goes on (the sched backend unwinds at its next point).
static void check_recursion(const spinlock_t* lock, SourceLoc loc) {
  const AgentId self = current_agent().id;
  if (self == kNoAgent || lock->owner.load(std::memory_order_relaxed) != self) return;
  report_finding(Detector::kLockMisuse,
                 std::string("spinlock recursion: ") + lock->name + " is already held by " +
                     current_agent().name,
                 loc);
}

void spin_lock(spinlock_t* lock, SourceLoc loc) {
  preempt_disable();
  for (bool first = true;; first = false) {
    point(Event{EventKind::kSpinAcquire, lock, loc});
    if (try_take(lock)) return;
    if (first) check_recursion(lock, loc);
    wait_on(lock, loc);
  }
}

bool spin_trylock(spinlock_t* lock, SourceLoc loc) {
  preempt_disable();
  point(Event{EventKind::kSpinAcquire, lock, loc});
  if (try_take(lock)) return true;
  preempt_enable();
  return false;
}

void spin_unlock(spinlock_t* lock, SourceLoc loc) {
  point(Event{EventKind::kSpinRelease, lock, loc});
  if (lock->locked.load(std::memory_order_relaxed) == 0) {
    report_finding(Detector::kLockMisuse, std::string("spin_unlock of unlocked ") + lock->name,
                   loc);
    return;
  }
  lock->owner.store(kNoAgent, std::memory_order_relaxed);
  lock->locked.store(0, std::memory_order_release);
  preempt_enable();
  if (Runtime* rt = current_runtime()) rt->wake(lock);
}

unsigned long spin_lock_irqsave_fn(spinlock_t* lock, SourceLoc loc) {
  AgentState& a = current_agent();
  unsigned long flags = static_cast<unsigned long>(a.irq_disabled);
  a.irq_disabled++;
  spin_lock(lock, loc);
  return flags;
}

void spin_unlock_irqrestore(spinlock_t* lock, unsigned long flags, SourceLoc loc) {
  spin_unlock(lock, loc);
  current_agent().irq_disabled = static_cast<int>(flags);
}

bool spin_is_locked(const spinlock_t* lock) {
  return lock->locked.load(std::memory_order_relaxed) != 0;
}

}  // namespace svafuzz::sync
