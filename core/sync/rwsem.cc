// struct rw_semaphore on top of the runtime's point/block/wake (the same shape as mutex.cc).
#include "core/sync/rwsem.h"

#include <string>
#include <thread>

#include "core/sync/finding.h"

namespace svafuzz::sync {
namespace {

// A reader gets in while no writer holds the lock and none waits.
bool try_read(rw_semaphore* s) {
  if (s->writers_waiting.load(std::memory_order_relaxed) != 0) return false;
  int c = s->count.load(std::memory_order_relaxed);
  while (c >= 0) {
    if (s->count.compare_exchange_weak(c, c + 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

bool try_write(rw_semaphore* s) {
  int expected = 0;
  if (!s->count.compare_exchange_strong(expected, rw_semaphore::kWriterHeld,
                                        std::memory_order_acquire, std::memory_order_relaxed)) {
    return false;
  }
  s->owner.store(current_agent().id, std::memory_order_relaxed);
  return true;
}

// Blocks the caller until the next release of `s` (or yields, with no runtime).
void wait_for_release(rw_semaphore* s, SourceLoc loc) {
  if (Runtime* rt = current_runtime()) {
    rt->block(s, Event{EventKind::kBlock, s, loc});
  } else {
    std::this_thread::yield();
  }
}

void misuse(const rw_semaphore* s, const char* what, SourceLoc loc) {
  report_finding(Detector::kLockMisuse, std::string(what) + s->name, loc);
}

}  // namespace

void down_read(rw_semaphore* s, SourceLoc loc) {
  might_sleep_at(loc);
  for (;;) {
    point(Event{EventKind::kRwsemAcquire, s, loc});
    if (try_read(s)) return;
    wait_for_release(s, loc);
  }
}

bool down_read_trylock(rw_semaphore* s, SourceLoc loc) {
  point(Event{EventKind::kRwsemAcquire, s, loc});
  return try_read(s);
}

void up_read(rw_semaphore* s, SourceLoc loc) {
  point(Event{EventKind::kRwsemRelease, s, loc});
  int c = s->count.load(std::memory_order_relaxed);
  while (c > 0) {
    if (s->count.compare_exchange_weak(c, c - 1, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      // The last reader out lets a waiting writer in.
      if (c == 1) {
        if (Runtime* rt = current_runtime()) rt->wake(s);
      }
      return;
    }
  }
  misuse(s, "up_read with no reader of ", loc);
}

void down_write(rw_semaphore* s, SourceLoc loc) {
  might_sleep_at(loc);
  bool waiting = false;
  for (;;) {
    point(Event{EventKind::kRwsemAcquire, s, loc});
    if (try_write(s)) break;
    if (!waiting) s->writers_waiting.fetch_add(1, std::memory_order_relaxed);
    waiting = true;
    wait_for_release(s, loc);
  }
  if (waiting) s->writers_waiting.fetch_sub(1, std::memory_order_relaxed);
}

bool down_write_trylock(rw_semaphore* s, SourceLoc loc) {
  point(Event{EventKind::kRwsemAcquire, s, loc});
  return try_write(s);
}

void up_write(rw_semaphore* s, SourceLoc loc) {
  point(Event{EventKind::kRwsemRelease, s, loc});
  if (s->count.load(std::memory_order_relaxed) != rw_semaphore::kWriterHeld) {
    misuse(s, "up_write of a rw_semaphore not write-held: ", loc);
    return;
  }
  if (s->owner.load(std::memory_order_relaxed) != current_agent().id) {
    misuse(s, "up_write by non-owner of ", loc);
  }
  s->owner.store(kNoAgent, std::memory_order_relaxed);
  s->count.store(0, std::memory_order_release);
  if (Runtime* rt = current_runtime()) rt->wake(s);
}

bool rwsem_is_locked(const rw_semaphore* s) {
  return s->count.load(std::memory_order_relaxed) != 0;
}

bool rwsem_is_write_locked(const rw_semaphore* s) {
  return s->count.load(std::memory_order_relaxed) == rw_semaphore::kWriterHeld;
}

}  // namespace svafuzz::sync
