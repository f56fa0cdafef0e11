// The sync facade with no runtime installed: direct semantics, might_sleep, lock misuse.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "core/sync/sync.h"

namespace svafuzz {
namespace {

using namespace svafuzz::sync;

const char* file_basename_for_test(const char* path) {
  const char* s = std::strrchr(path, '/');
  return s != nullptr ? s + 1 : path;
}

class FacadeTest : public ::testing::Test {
 protected:
  void SetUp() override { findings().clear(); }
  void TearDown() override { findings().clear(); }
};

TEST_F(FacadeTest, ReadOnceWriteOnceRoundTrip) {
  uint64_t word = 0;
  WRITE_ONCE(word, 0x1234u);
  EXPECT_EQ(READ_ONCE(word), 0x1234u);
}

TEST_F(FacadeTest, SpinLockRaisesPreemptCountAndMightSleepFires) {
  DEFINE_SPINLOCK(lock);
  DEFINE_MUTEX(m);
  spin_lock(&lock);
  EXPECT_TRUE(in_atomic());
  mutex_lock(&m);   // sleeping lock under a spinlock: BRIEF §7 shape 6
  mutex_unlock(&m);
  spin_unlock(&lock);
  EXPECT_FALSE(in_atomic());
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kMightSleep);
}

TEST_F(FacadeTest, MutexOutsideAtomicContextIsClean) {
  DEFINE_MUTEX(m);
  mutex_lock(&m);
  mutex_unlock(&m);
  EXPECT_TRUE(findings().empty());
}

TEST_F(FacadeTest, IrqsaveRestoresNesting) {
  DEFINE_SPINLOCK(lock);
  unsigned long flags;
  spin_lock_irqsave(&lock, flags);
  EXPECT_EQ(current_agent().irq_disabled, 1);
  spin_unlock_irqrestore(&lock, flags);
  EXPECT_EQ(current_agent().irq_disabled, 0);
}

TEST_F(FacadeTest, UnlockOfUnlockedSpinlockIsLockMisuse) {
  DEFINE_SPINLOCK(lock);
  spin_unlock(&lock);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kLockMisuse);
}

TEST_F(FacadeTest, TrylockFailsWhileHeld) {
  DEFINE_SPINLOCK(lock);
  spin_lock(&lock);
  EXPECT_FALSE(spin_trylock(&lock));
  spin_unlock(&lock);
  EXPECT_TRUE(spin_trylock(&lock));
  spin_unlock(&lock);
  EXPECT_TRUE(findings().empty());
}

TEST_F(FacadeTest, BitopsReturnOldValue) {
  unsigned long word = 0;
  EXPECT_FALSE(test_and_set_bit(3, &word));
  EXPECT_TRUE(test_and_set_bit(3, &word));
  EXPECT_TRUE(test_bit(3, &word));
  clear_bit(3, &word);
  EXPECT_FALSE(test_bit(3, &word));
  EXPECT_FALSE(test_and_clear_bit(3, &word));
}

// Real threads through the facade: the spinlock must give mutual exclusion (and, under the
// tsan preset, ThreadSanitizer checks the happens-before edges on the plain counter).
TEST_F(FacadeTest, SpinlockExcludesRealThreads) {
  DEFINE_SPINLOCK(lock);
  long counter = 0;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        spin_lock(&lock);
        counter++;
        spin_unlock(&lock);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(counter, 8000);
  EXPECT_TRUE(findings().empty());
}

TEST_F(FacadeTest, DetectorNamesRoundTrip) {
  for (int i = 0; i < static_cast<int>(Detector::kCount); ++i) {
    Detector d;
    ASSERT_TRUE(parse_detector(detector_name(static_cast<Detector>(i)), &d));
    EXPECT_EQ(static_cast<int>(d), i);
  }
  Detector d;
  EXPECT_FALSE(parse_detector("no-such-detector", &d));
}

// A facade function's `loc = SVAFUZZ_HERE` default argument names its caller's line, in GCC
// builds as well as clang (traces and findings point at the simulated kernel code).
SourceLoc where_called(SourceLoc loc = SVAFUZZ_HERE) { return loc; }

TEST_F(FacadeTest, SourceLocDefaultArgumentIsTheCallSite) {
  const uint32_t line = __LINE__ + 1;
  SourceLoc loc = where_called();
  EXPECT_EQ(loc.line, line);
  EXPECT_STREQ(file_basename_for_test(loc.file), "facade_test.cc");
  report_finding(Detector::kOracle, "located");
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().loc.line, static_cast<uint32_t>(__LINE__ - 2));
}

}  // namespace
}  // namespace svafuzz
