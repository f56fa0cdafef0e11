// struct rw_semaphore with the kernel's API: down_read, down_read_trylock, up_read, down_write,
// down_write_trylock, up_write (include/linux/rwsem.h). mmap_lock is one (core/mm/mmap_lock.h).
//
// Contract:
//   - any number of readers, or one writer;
//   - a writer that waits blocks new readers (the kernel's RWSEM_FLAG_WAITERS/handoff: a reader
//     queues behind a waiting writer, and down_read_trylock fails while one waits), so a stream
//     of readers cannot starve a writer; a reader that takes the lock again while a writer waits
//     deadlocks, as in the kernel;
//   - down_read/down_write may sleep (might_sleep), the trylocks do not;
//   - up_read with no reader and up_write by a non-owner are findings (kLockMisuse).
// Its scheduling points are kRwsemAcquire/kRwsemRelease events on the semaphore (the trace
// names it by `name`; a trylock is an acquire point too, as for mutex_trylock).
#pragma once
#include <atomic>

#include "core/sync/preempt.h"
#include "core/sync/runtime.h"

namespace svafuzz::sync {

struct rw_semaphore {
  // > 0: that many readers; kWriterHeld: one writer; 0: free.
  static constexpr int kWriterHeld = -1;
  std::atomic<int> count{0};
  std::atomic<AgentId> owner{kNoAgent};   // the writer, when kWriterHeld
  std::atomic<int> writers_waiting{0};
  const char* name = "rw_semaphore";

  rw_semaphore() = default;
  rw_semaphore(const char* n) : name(n) {}  // NOLINT: DECLARE_RWSEM-style initialisers
  rw_semaphore(const rw_semaphore&) = delete;
  rw_semaphore& operator=(const rw_semaphore&) = delete;
};

void down_read(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
bool down_read_trylock(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
void up_read(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
void down_write(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
bool down_write_trylock(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
void up_write(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE);
bool rwsem_is_locked(const rw_semaphore* s);
bool rwsem_is_write_locked(const rw_semaphore* s);

// guard(rwsem_write)(&sem): down_write now, up_write at scope end.
class RwsemWriteGuard {
 public:
  explicit RwsemWriteGuard(rw_semaphore* s, SourceLoc loc = SVAFUZZ_HERE) : s_(s), loc_(loc) {
    down_write(s_, loc_);
  }
  ~RwsemWriteGuard() { up_write(s_, loc_); }
  RwsemWriteGuard(const RwsemWriteGuard&) = delete;
  RwsemWriteGuard& operator=(const RwsemWriteGuard&) = delete;

 private:
  rw_semaphore* s_;
  SourceLoc loc_;
};

}  // namespace svafuzz::sync

using svafuzz_guard_rwsem_write = ::svafuzz::sync::RwsemWriteGuard;
