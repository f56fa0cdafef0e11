// lockdep_assert_held(): the caller must hold the lock (include/linux/lockdep.h). Lockdep
// checks that the current task holds it; the model checks the lock's owner against the calling
// agent, and a miss is a lock-misuse finding (lockdep's WARN), not a stop of the execution.
#pragma once
#include "core/sync/mutex.h"
#include "core/sync/spinlock.h"

namespace svafuzz::sync {

void lockdep_assert_held_at(const spinlock_t* lock, SourceLoc loc);
void lockdep_assert_held_at(const mutex* lock, SourceLoc loc);

}  // namespace svafuzz::sync
