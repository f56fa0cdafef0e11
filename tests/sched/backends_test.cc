// Both backends run the same scenarios to the same final state.
#include <gtest/gtest.h>

#include "core/sched/run.h"
#include "core/sched/scenario.h"
#include "core/sched/strategies.h"
#include "core/threads/threads_runtime.h"
#include "core/sync/sync.h"

namespace svafuzz::sched {
namespace {

TEST(BackendsTest, SameScenarioSameFinalState) {
  register_builtin_scenarios();
  for (const char* name : {"atomic-update", "work-flush"}) {
    const ScenarioInfo* info = find_scenario(name);
    for (uint64_t seed = 0; seed < 5; ++seed) {
      RandomChoice src(seed);
      RunResult s = run_sched(*info, &src);
      RunResult t = run_threads(*info);
      EXPECT_TRUE(s.findings.empty()) << name;
      EXPECT_TRUE(t.findings.empty()) << name;
      EXPECT_EQ(s.final_state, t.final_state) << name;
    }
  }
}

// work-requeue's final counts depend on the schedule; its invariant (ran == queued) must hold
// on both backends.
TEST(BackendsTest, WorkRequeueInvariantHoldsOnBothBackends) {
  register_builtin_scenarios();
  const ScenarioInfo* info = find_scenario("work-requeue");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    RandomChoice src(seed);
    EXPECT_TRUE(run_sched(*info, &src).findings.empty());
    EXPECT_TRUE(run_threads(*info).findings.empty());
  }
}

TEST(BackendsTest, ThreadsBackendLocksExcludeAndAgentsHaveNames) {
  using namespace svafuzz::sync;
  threads::ThreadsRuntime rt;
  DEFINE_SPINLOCK(lock);
  long counter = 0;
  for (const char* name : {"cpu0", "cpu1", "cpu2"}) {
    rt.spawn(name, [&, name] {
      EXPECT_EQ(current_agent().name, name);
      for (int i = 0; i < 200; ++i) {
        guard(spinlock)(&lock);
        counter++;   // plain access under the lock: no race for TSan
      }
    }, false);
  }
  rt.run();
  EXPECT_EQ(counter, 600);
}

}  // namespace
}  // namespace svafuzz::sched
