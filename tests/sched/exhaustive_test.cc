// Exhaustive search counts exactly the interleavings of tiny programs.
//
// Two agents A (a1 a2) and B (b1 b2), each op a scheduling point: C(4,2) = 6 interleavings.
// With a preemption bound (a switch away from an agent that still has ops left):
//   AABB 0, ABAB 2, ABBA 1, BAAB 1, BABA 2, BBAA 0
// so bound 0 -> 2, bound 1 -> 4, bound 2 -> 6.
#include <gtest/gtest.h>

#include <set>

#include "core/sched/exhaustive.h"
#include "core/sched/run.h"
#include "core/sched/sched_runtime.h"
#include "core/sync/sync.h"

namespace svafuzz::sched {
namespace {

using namespace svafuzz::sync;

// Runs `agents` agents of `ops` WRITE_ONCEs each under DFS; returns {executions, distinct traces}.
std::pair<uint64_t, size_t> explore(int agents, int ops, int bound) {
  ExhaustiveSearch dfs(bound);
  SchedRuntime rt(&dfs);
  std::set<uint64_t> traces;
  long words[8] = {};
  do {
    rt.reset();
    for (int a = 0; a < agents; ++a) {
      rt.spawn("agent" + std::to_string(a), [&words, a, ops] {
        for (int i = 0; i < ops; ++i) WRITE_ONCE(words[a], i);
      }, false);
    }
    rt.run();
    traces.insert(rt.trace().hash());
  } while (dfs.advance());
  EXPECT_FALSE(dfs.diverged());
  return {dfs.executions(), traces.size()};
}

TEST(ExhaustiveTest, TwoAgentsTwoStepsUnboundedIsSix) {
  auto [runs, distinct] = explore(2, 2, -1);
  EXPECT_EQ(runs, 6u);
  EXPECT_EQ(distinct, 6u);
}

TEST(ExhaustiveTest, PreemptionBoundsByHand) {
  EXPECT_EQ(explore(2, 2, 0).first, 2u);
  EXPECT_EQ(explore(2, 2, 1).first, 4u);
  EXPECT_EQ(explore(2, 2, 2).first, 6u);
}

TEST(ExhaustiveTest, ThreeAgentsOneStepIsThreeFactorial) {
  EXPECT_EQ(explore(3, 1, -1).first, 6u);
}

TEST(ExhaustiveTest, TwoAgentsThreeStepsIsTwenty) {
  EXPECT_EQ(explore(2, 3, -1).first, 20u);   // C(6,3)
}

TEST(ExhaustiveTest, LostUpdateIsFoundAndAtomicUpdateNever) {
  register_builtin_scenarios();
  for (auto [name, expect] : {std::pair{"lost-update", true}, std::pair{"atomic-update", false}}) {
    ExhaustiveSearch dfs;
    SchedRuntime rt(&dfs);
    bool found = false;
    do {
      found |= !run_sched_on(&rt, *find_scenario(name), &dfs).findings.empty();
    } while (dfs.advance());
    EXPECT_EQ(found, expect) << name;
  }
}

}  // namespace
}  // namespace svafuzz::sched
