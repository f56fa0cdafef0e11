// rw_semaphore (core/sync/rwsem.h) on every backend: direct semantics with no runtime, every
// interleaving of small reader/writer programs on the sched backend (exhaustive search), and
// real threads (ThreadSanitizer checks the happens-before edges under the tsan preset).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/sched/exhaustive.h"
#include "core/sched/sched_runtime.h"
#include "core/sync/sync.h"

namespace svafuzz::sched {
namespace {

using namespace svafuzz::sync;

class RwsemTest : public ::testing::Test {
 protected:
  void SetUp() override { findings().clear(); }
  void TearDown() override { findings().clear(); }
};

TEST_F(RwsemTest, ReadersShareAndExcludeAWriter) {
  rw_semaphore sem{"sem"};
  down_read(&sem);
  EXPECT_TRUE(down_read_trylock(&sem));
  EXPECT_FALSE(down_write_trylock(&sem));
  up_read(&sem);
  EXPECT_TRUE(rwsem_is_locked(&sem));
  up_read(&sem);
  EXPECT_FALSE(rwsem_is_locked(&sem));
  down_write(&sem);
  EXPECT_TRUE(rwsem_is_write_locked(&sem));
  EXPECT_FALSE(down_read_trylock(&sem));
  EXPECT_FALSE(down_write_trylock(&sem));
  up_write(&sem);
  EXPECT_FALSE(rwsem_is_locked(&sem));
  EXPECT_TRUE(findings().empty());
}

TEST_F(RwsemTest, UnbalancedReleasesAreLockMisuse) {
  rw_semaphore sem{"sem"};
  up_read(&sem);
  ASSERT_EQ(findings().snapshot().size(), 1u);
  EXPECT_EQ(findings().first().detector, Detector::kLockMisuse);
  down_read(&sem);
  up_write(&sem);   // held for read, released as a writer
  EXPECT_EQ(findings().snapshot().size(), 2u);
  EXPECT_EQ(sem.count.load(), 1);   // the misuse changes nothing
}

TEST_F(RwsemTest, DownReadUnderASpinlockMightSleep) {
  DEFINE_SPINLOCK(lock);
  rw_semaphore sem{"sem"};
  spin_lock(&lock);
  down_read(&sem);
  up_read(&sem);
  spin_unlock(&lock);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kMightSleep);
}

// What every interleaving of a program showed.
struct Seen {
  uint64_t executions = 0;
  bool writer_with_others = false;   // a writer inside with anyone else: exclusion broken
  bool readers_together = false;     // two readers inside at once: sharing happens
  bool trylock_failed_under_readers = false;   // a reader trylock refused with no writer inside
  bool trylock_shared = false;       // a reader trylock taken beside another reader
  bool other_findings = false;       // deadlock, step budget, misuse
};

// Agents: readers down_read/up_read, a writer down_write/up_write, and optionally one
// down_read_trylock agent, each inside for two points. Explores every interleaving.
Seen explore(int readers, bool writer, bool trylocker) {
  ExhaustiveSearch dfs;
  SchedRuntime rt(&dfs);
  Seen seen;
  rw_semaphore sem{"sem"};
  int inside_readers = 0;
  int inside_writers = 0;
  unsigned long word = 0;
  auto inside = [&](bool as_writer) {
    if (as_writer) ++inside_writers; else ++inside_readers;
    seen.writer_with_others |= inside_writers > 1 || (inside_writers == 1 && inside_readers > 0);
    seen.readers_together |= inside_readers > 1;
    WRITE_ONCE(word, READ_ONCE(word) + 1);
    if (as_writer) --inside_writers; else --inside_readers;
  };
  do {
    rt.reset();
    findings().clear();
    for (int r = 0; r < readers; ++r) {
      rt.spawn("reader" + std::to_string(r), [&] {
        down_read(&sem);
        inside(false);
        up_read(&sem);
      }, false);
    }
    if (writer) {
      rt.spawn("writer", [&] {
        down_write(&sem);
        inside(true);
        up_write(&sem);
      }, false);
    }
    if (trylocker) {
      rt.spawn("trylocker", [&] {
        // No scheduling point between the trylock's decision and these reads.
        if (down_read_trylock(&sem)) {
          seen.trylock_shared |= inside_readers > 0;
          inside(false);
          up_read(&sem);
        } else {
          seen.trylock_failed_under_readers |= inside_writers == 0 && inside_readers > 0;
        }
      }, false);
    }
    rt.run();
    seen.other_findings |= !findings().empty();
    ++seen.executions;
  } while (dfs.advance());
  EXPECT_FALSE(dfs.diverged());
  findings().clear();
  return seen;
}

TEST_F(RwsemTest, EveryInterleavingExcludesTheWriterAndReadersShare) {
  Seen s = explore(2, true, false);
  EXPECT_GT(s.executions, 10u);
  EXPECT_FALSE(s.writer_with_others);
  EXPECT_TRUE(s.readers_together);
  EXPECT_FALSE(s.other_findings);
}

// The trylock shares with a reader when no writer waits, and is refused while one waits (a
// reader holds the lock, a writer blocked behind it): the kernel's RWSEM_FLAG_WAITERS rule.
TEST_F(RwsemTest, AWaitingWriterRefusesTheReadTrylock) {
  Seen without_writer = explore(1, false, true);
  EXPECT_TRUE(without_writer.trylock_shared);
  EXPECT_FALSE(without_writer.trylock_failed_under_readers);
  Seen with_writer = explore(1, true, true);
  EXPECT_TRUE(with_writer.trylock_failed_under_readers);
  EXPECT_FALSE(with_writer.writer_with_others);
  EXPECT_FALSE(with_writer.other_findings);
}

// Once a writer waits, no new reader gets in before it: a stream of readers cannot starve it.
// Every interleaving of a reader holding the lock, a writer and a second reader.
TEST_F(RwsemTest, NoReaderOvertakesAWaitingWriter) {
  ExhaustiveSearch dfs;
  SchedRuntime rt(&dfs);
  rw_semaphore sem{"sem"};
  bool writer_done = false;
  bool overtaken = false;
  bool writer_waited = false;
  do {
    rt.reset();
    writer_done = false;
    rt.spawn("reader0", [&] {
      down_read(&sem);
      yield_point();
      up_read(&sem);
    }, false);
    rt.spawn("writer", [&] {
      down_write(&sem);
      writer_done = true;
      up_write(&sem);
    }, false);
    rt.spawn("reader1", [&] {
      yield_point();
      const bool waiting = sem.writers_waiting.load() > 0;   // no point before down_read's
      writer_waited |= waiting;
      down_read(&sem);
      overtaken |= waiting && !writer_done;
      up_read(&sem);
    }, false);
    rt.run();
  } while (dfs.advance());
  EXPECT_TRUE(findings().empty());
  EXPECT_TRUE(writer_waited);
  EXPECT_FALSE(overtaken);
}

// Real threads: readers see a consistent pair, writers update it; no lost update.
TEST_F(RwsemTest, ExcludesRealThreads) {
  rw_semaphore sem{"sem"};
  long a = 0, b = 0;
  bool torn = false;
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        down_write(&sem);
        ++a;
        ++b;
        up_write(&sem);
      }
    });
    ts.emplace_back([&] {
      bool mine = false;
      for (int i = 0; i < 2000; ++i) {
        down_read(&sem);
        mine |= a != b;
        up_read(&sem);
      }
      down_write(&sem);
      torn |= mine;
      up_write(&sem);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(a, 4000);
  EXPECT_EQ(b, 4000);
  EXPECT_FALSE(torn);
  EXPECT_TRUE(findings().empty());
}

}  // namespace
}  // namespace svafuzz::sched
