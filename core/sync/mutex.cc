// struct mutex on top of the runtime's point/block/wake.
#include "core/sync/mutex.h"

#include <string>

#include "core/sync/finding.h"

namespace svafuzz::sync {
namespace {

bool try_take(mutex* m) {
  int expected = 0;
  if (!m->locked.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
    return false;
  }
  m->owner.store(current_agent().id, std::memory_order_relaxed);
  return true;
}

}  // namespace

void mutex_init(mutex* m, const char* name) {
  m->locked.store(0, std::memory_order_relaxed);
  m->owner.store(kNoAgent, std::memory_order_relaxed);
  m->name = name;
}

void mutex_lock(mutex* m, SourceLoc loc) {
  might_sleep_at(loc);
  for (;;) {
    point(Event{EventKind::kMutexAcquire, m, loc});
    if (try_take(m)) return;
    wait_on(m, loc);
  }
}

bool mutex_trylock(mutex* m, SourceLoc loc) {
  point(Event{EventKind::kMutexAcquire, m, loc});
  return try_take(m);
}

void mutex_unlock(mutex* m, SourceLoc loc) {
  point(Event{EventKind::kMutexRelease, m, loc});
  if (m->locked.load(std::memory_order_relaxed) == 0) {
    report_finding(Detector::kLockMisuse, std::string("mutex_unlock of unlocked ") + m->name, loc);
    return;
  }
  if (m->owner.load(std::memory_order_relaxed) != current_agent().id) {
    report_finding(Detector::kLockMisuse, std::string("mutex_unlock by non-owner of ") + m->name,
                   loc);
  }
  m->owner.store(kNoAgent, std::memory_order_relaxed);
  m->locked.store(0, std::memory_order_release);
  if (Runtime* rt = current_runtime()) rt->wake(m);
}

bool mutex_is_locked(const mutex* m) { return m->locked.load(std::memory_order_relaxed) != 0; }

}  // namespace svafuzz::sync
