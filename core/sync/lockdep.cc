// lockdep_assert_held (see lockdep.h).
#include "core/sync/lockdep.h"

#include <string>

#include "core/sync/finding.h"

namespace svafuzz::sync {
namespace {

template <class Lock>
void assert_held(const Lock* lock, SourceLoc loc) {
  if (lock->locked.load(std::memory_order_relaxed) != 0 &&
      lock->owner.load(std::memory_order_relaxed) == current_agent().id)
    return;
  report_finding(Detector::kLockMisuse, std::string("lockdep_assert_held: ") + lock->name + " is not held by the caller",
                 loc);
}

}  // namespace

void lockdep_assert_held_at(const spinlock_t* lock, SourceLoc loc) { assert_held(lock, loc); }
void lockdep_assert_held_at(const mutex* lock, SourceLoc loc) { assert_held(lock, loc); }

}  // namespace svafuzz::sync
