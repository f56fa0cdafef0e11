// PCT finds the planted depth-2 bug (pct-depth2) at least at its theoretical rate
// 1/(n * k^(d-1)), measured over a fixed seed set so the test is reproducible.
#include <gtest/gtest.h>

#include "core/sched/run.h"
#include "core/sched/scenario.h"
#include "core/sched/strategies.h"

namespace svafuzz::sched {
namespace {

TEST(PctTest, FindsDepthTwoBugAtLeastAtTheBound) {
  register_builtin_scenarios();
  const ScenarioInfo* info = find_scenario("pct-depth2");
  SchedRuntime rt(nullptr);
  FuzzBytesChoice none(nullptr, 0);
  const uint64_t k = run_sched_on(&rt, *info, &none).steps;   // steps of one execution
  const double n = 2, bound = 1.0 / (n * static_cast<double>(k));
  const int kSeeds = 2000;
  int found = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    PctChoice pct(static_cast<uint64_t>(seed), /*depth=*/2, k);
    found += !run_sched_on(&rt, *info, &pct).findings.empty();
  }
  double rate = static_cast<double>(found) / kSeeds;
  RecordProperty("k", static_cast<int>(k));
  RecordProperty("found", found);
  EXPECT_GE(rate, bound) << "k=" << k << " found " << found << "/" << kSeeds;
}

TEST(PctTest, DepthOneNeverPreemptsARunnableAgent) {
  register_builtin_scenarios();
  SchedRuntime rt(nullptr);
  for (int seed = 0; seed < 50; ++seed) {
    PctChoice pct(static_cast<uint64_t>(seed), 1, 20);
    EXPECT_TRUE(run_sched_on(&rt, *find_scenario("pct-depth2"), &pct).findings.empty());
  }
}

}  // namespace
}  // namespace svafuzz::sched
