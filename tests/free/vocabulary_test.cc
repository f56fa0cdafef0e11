// The plug-in vocabulary added for kernel free-path code (core/free/plugin.h): each name
// compiles as kernel code writes it and has the kernel's meaning, with no runtime installed
// (the facade's direct semantics; the schedulers interleave the same calls).
#include <gtest/gtest.h>

#include "core/free/plugin.h"

namespace svafuzz_vocabulary_test {

static atomic_t users = ATOMIC_INIT(3);
static atomic_long_t freed_bytes = ATOMIC_LONG_INIT(4096);
DEFINE_PER_CPU(unsigned long, frees);
static DEFINE_SPINLOCK(list_lock);
static DEFINE_MUTEX(table_mutex);

struct pool {
  atomic_t count;
  spinlock_t lock;
};
static struct pool pool = {
    .count = ATOMIC_INIT(1),
    .lock = __SPIN_LOCK_UNLOCKED(pool.lock),
};

class VocabularyTest : public ::testing::Test {
 protected:
  void SetUp() override { svafuzz::findings().clear(); }
  void TearDown() override { svafuzz::findings().clear(); }
};

TEST_F(VocabularyTest, AtomicInitialisers) {
  EXPECT_EQ(atomic_read(&users), 3);
  EXPECT_EQ(atomic_long_read(&freed_bytes), 4096);
  EXPECT_EQ(atomic_read(&pool.count), 1);
}

TEST_F(VocabularyTest, AtomicLongOps) {
  atomic_long_t v = ATOMIC_LONG_INIT(10);
  atomic_long_add(5, &v);
  atomic_long_sub(3, &v);
  atomic_long_inc(&v);
  atomic_long_dec(&v);
  EXPECT_EQ(atomic_long_read(&v), 12);
  EXPECT_EQ(atomic_long_add_return(8, &v), 20);
  EXPECT_EQ(atomic_long_inc_return(&v), 21);
  EXPECT_EQ(atomic_long_dec_return(&v), 20);
  EXPECT_EQ(atomic_long_xchg(&v, 1), 20);
  EXPECT_EQ(atomic_long_cmpxchg(&v, 1, 7), 1);    // swapped: returns the old value
  EXPECT_EQ(atomic_long_cmpxchg(&v, 1, 9), 7);    // not swapped: returns the current value
  EXPECT_FALSE(atomic_long_dec_and_test(&v));
  atomic_long_set(&v, 1);
  EXPECT_TRUE(atomic_long_dec_and_test(&v));
}

TEST_F(VocabularyTest, ThisCpuOpsTouchOnlyThisCpusSlot) {
  int cpu;
  for_each_possible_cpu(cpu) per_cpu(frees, cpu) = 100;
  this_cpu_write(frees, 5);
  this_cpu_inc(frees);
  this_cpu_add(frees, 10);
  this_cpu_sub(frees, 2);
  this_cpu_dec(frees);
  EXPECT_EQ(this_cpu_read(frees), 13u);
  EXPECT_EQ(this_cpu_xchg(frees, 0), 13u);
  EXPECT_EQ(*this_cpu_ptr(&frees), 0u);
  for_each_possible_cpu(cpu) {
    if (cpu != smp_processor_id()) {
      EXPECT_EQ(per_cpu(frees, cpu), 100u);
    }
  }
}

TEST_F(VocabularyTest, LockdepAssertHeldPassesWhenTheCallerHoldsTheLock) {
  spin_lock(&list_lock);
  lockdep_assert_held(&list_lock);
  spin_unlock(&list_lock);
  mutex_lock(&table_mutex);
  lockdep_assert_held(&table_mutex);
  mutex_unlock(&table_mutex);
  EXPECT_TRUE(svafuzz::findings().empty());
}

TEST_F(VocabularyTest, LockdepAssertHeldFlagsAnUnheldLock) {
  lockdep_assert_held(&pool.lock);
  ASSERT_FALSE(svafuzz::findings().empty());
  EXPECT_EQ(svafuzz::findings().first().detector, svafuzz::Detector::kLockMisuse);
}

TEST_F(VocabularyTest, CondReschedIsCleanOutsideAtomicContext) {
  EXPECT_EQ(cond_resched(), 0);
  EXPECT_TRUE(svafuzz::findings().empty());
}

TEST_F(VocabularyTest, CondReschedUnderASpinlockIsMightSleep) {
  spin_lock(&list_lock);
  cond_resched();
  spin_unlock(&list_lock);
  ASSERT_FALSE(svafuzz::findings().empty());
  EXPECT_EQ(svafuzz::findings().first().detector, svafuzz::Detector::kMightSleep);
}

// queue_work on the system workqueue is schedule_work (both need a runtime with a
// WorkerPool; here only that the kernel spelling names the same queue).
TEST_F(VocabularyTest, SystemWqIsTheCurrentSystemWorkqueue) {
  EXPECT_EQ(system_wq, svafuzz::sync::current_system_wq());
}

}  // namespace svafuzz_vocabulary_test
