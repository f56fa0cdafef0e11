// The sched backend: determinism, findings (deadlock, might-sleep, step budget), unwinding.
#include <gtest/gtest.h>

#include <set>

#include "core/sched/run.h"
#include "core/sched/scenario.h"
#include "core/sched/sched_runtime.h"
#include "core/sched/strategies.h"
#include "core/sync/sync.h"

namespace svafuzz::sched {
namespace {

using namespace svafuzz::sync;

class SchedRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_builtin_scenarios();
    findings().clear();
  }
  void TearDown() override { findings().clear(); }
};

TEST_F(SchedRuntimeTest, SameSeedGivesIdenticalTraceHash100Times) {
  const ScenarioInfo* info = find_scenario("work-requeue");
  ASSERT_NE(info, nullptr);
  SchedRuntime rt(nullptr);
  std::set<uint64_t> hashes;
  for (int i = 0; i < 100; ++i) {
    RandomChoice src(42);
    hashes.insert(run_sched_on(&rt, *info, &src).trace_hash);
  }
  EXPECT_EQ(hashes.size(), 1u);
}

TEST_F(SchedRuntimeTest, DifferentSeedsGiveDifferentInterleavings) {
  const ScenarioInfo* info = find_scenario("pct-depth2");
  SchedRuntime rt(nullptr);
  std::set<uint64_t> hashes;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    RandomChoice src(seed);
    hashes.insert(run_sched_on(&rt, *info, &src).trace_hash);
  }
  EXPECT_GT(hashes.size(), 5u);
}

TEST_F(SchedRuntimeTest, AbbaDeadlockIsAFindingNotAHang) {
  const ScenarioInfo* info = find_scenario("abba-deadlock");
  bool deadlock = false;
  for (uint64_t seed = 0; seed < 64 && !deadlock; ++seed) {
    RandomChoice src(seed);
    RunResult r = run_sched(*info, &src);
    for (const Finding& f : r.findings) deadlock |= f.detector == Detector::kDeadlock;
  }
  EXPECT_TRUE(deadlock);
}

TEST_F(SchedRuntimeTest, MightSleepUnderSpinlockIsReported) {
  RandomChoice src(1);
  RunResult r = run_sched(*find_scenario("might-sleep"), &src);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings.front().detector, Detector::kMightSleep);
  EXPECT_EQ(r.findings.front().agent, "cpu0");
}

// Counts destructor runs: unwinding after a finding must run them (no leak, locks released).
struct Sentinel {
  int* count;
  ~Sentinel() { ++*count; }
};

TEST_F(SchedRuntimeTest, StepBudgetStopsALivelockAndUnwindsEveryAgent) {
  int destroyed = 0;
  unsigned long flag = 0;
  RandomChoice src(3);
  SchedOptions opts;
  opts.step_budget = 500;
  SchedRuntime rt(&src, opts);
  DEFINE_SPINLOCK(lock);
  for (const char* name : {"spinner0", "spinner1"}) {
    rt.spawn(name, [&] {
      Sentinel s{&destroyed};
      guard(spinlock)(&lock);
      while (READ_ONCE(flag) == 0) yield_point();   // nobody ever sets it
    }, false);
  }
  rt.run();
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kStepBudget);
  EXPECT_EQ(destroyed, 2);
  EXPECT_FALSE(spin_is_locked(&lock));
}

TEST_F(SchedRuntimeTest, AFindingStopsTheExecutionAtTheNextPoint) {
  RandomChoice src(5);
  SchedRuntime rt(&src);
  int after = 0;
  rt.spawn("reporter", [&] {
    report_finding(Detector::kOracle, "planted");
    yield_point();
    ++after;   // never reached
  }, false);
  rt.run();
  EXPECT_EQ(after, 0);
}

TEST_F(SchedRuntimeTest, AgentsSpawnedByAgentsRunAndAreTraced) {
  RandomChoice src(9);
  SchedRuntime rt(&src);
  int child_ran = 0;
  rt.spawn("parent", [&] {
    current_runtime()->spawn("child", [&] { yield_point(); ++child_ran; }, false);
    yield_point();
  }, false);
  rt.run();
  EXPECT_EQ(child_ran, 1);
  EXPECT_EQ(rt.agent_count(), 2u);
  EXPECT_TRUE(findings().empty());
}

TEST_F(SchedRuntimeTest, TraceNamesObjectsStablyAndExportsJson) {
  RandomChoice src(11);
  RunResult r = run_sched(*find_scenario("lost-update"), &src);
  nlohmann::json j = r.trace.to_json();
  EXPECT_EQ(j["agents"].size(), 2u);
  EXPECT_FALSE(j["steps"].empty());
  EXPECT_EQ(j["objects"][1]["name"], "obj#1");   // the counter: first object to appear
  EXPECT_NE(r.trace.format().find("read"), std::string::npos);
}

TEST_F(SchedRuntimeTest, ObjectNamersNameHostObjects) {
  long counter = 0;
  ObjectNamerRegistration reg([&](const void* p, ObjectName* out) {
    if (p != &counter) return false;
    *out = ObjectName{"frame", 0x123, "pfn 0x123"};
    return true;
  });
  RandomChoice src(1);
  SchedRuntime rt(&src);
  rt.spawn("cpu0", [&] { WRITE_ONCE(counter, 1); }, false);
  rt.run();
  EXPECT_NE(rt.trace().format().find("pfn 0x123"), std::string::npos);
}

}  // namespace
}  // namespace svafuzz::sched
