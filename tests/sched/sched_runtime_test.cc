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

// Bulk work that grants its points runs past the base budget; the same work without the grant
// is a step-budget finding, and a grant lasts one execution only.
TEST_F(SchedRuntimeTest, GrantedBulkPointsDoNotCountTowardsTheBudget) {
  unsigned long table[512] = {};
  auto scan = [&](bool grant) {
    if (grant) grant_steps(512);
    unsigned long sum = 0;
    for (unsigned long& e : table) sum += READ_ONCE(e);
    (void)sum;
  };
  RandomChoice src(7);
  SchedOptions opts;
  opts.step_budget = 100;
  SchedRuntime rt(&src, opts);
  rt.spawn("walker", [&] { scan(true); }, false);
  rt.run();
  EXPECT_TRUE(findings().empty());
  rt.reset();
  findings().clear();
  rt.spawn("walker", [&] { scan(false); }, false);
  rt.run();
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kStepBudget);
}

// Past the grant cap the execution is cut off at the next point: no finding, every agent
// unwound, cut_off() set; under the cap (or with no cap) the same work runs to the end.
TEST_F(SchedRuntimeTest, GrantsPastTheCapCutTheExecutionOffWithNoFinding) {
  unsigned long table[512] = {};
  int destroyed = 0;
  int scans = 0;
  auto run = [&](uint64_t cap) {
    RandomChoice src(5);
    SchedOptions opts;
    opts.grant_cap = cap;
    SchedRuntime rt(&src, opts);
    destroyed = scans = 0;
    rt.spawn("walker", [&] {
      Sentinel s{&destroyed};
      for (int i = 0; i < 4; ++i) {
        grant_steps(512);
        for (unsigned long& e : table) (void)READ_ONCE(e);
        ++scans;
      }
    }, false);
    rt.run();
    return rt.cut_off();
  };
  EXPECT_TRUE(run(1024 + 100));   // the third grant passes the cap
  EXPECT_TRUE(findings().empty());
  EXPECT_EQ(scans, 2);
  EXPECT_EQ(destroyed, 1);
  EXPECT_FALSE(run(4 * 512));
  EXPECT_EQ(scans, 4);
  EXPECT_FALSE(run(0));
  EXPECT_EQ(scans, 4);
  EXPECT_TRUE(findings().empty());
}

// Always runs the agent named by `favourite` when it is runnable (a starving schedule).
class FavourChoice final : public ChoiceSource {
 public:
  explicit FavourChoice(AgentId favourite) : favourite_(favourite) {}
  size_t choose(const ChoicePoint& cp) override {
    for (size_t i = 0; i < cp.runnable.size(); ++i) {
      if (cp.runnable[i] == favourite_) return i;
    }
    return 0;
  }
  const char* name() const override { return "favour"; }

 private:
  AgentId favourite_;
};

// Taking a spinlock the agent already holds is a finding at once ("spinlock recursion"), not
// a wait that only the step budget or the deadlock check would end.
TEST_F(SchedRuntimeTest, SpinlockRecursionIsReportedAtOnce) {
  RandomChoice src(5);
  SchedRuntime rt(&src);
  spinlock_t lock;
  spin_lock_init(&lock, "kernel_pte_work.lock");
  rt.spawn("kworker", [&] {
    spin_lock(&lock);
    spin_lock(&lock);
  }, false);
  rt.run();
  ASSERT_EQ(findings().snapshot().size(), 1u);
  EXPECT_EQ(findings().first().detector, Detector::kLockMisuse);
  EXPECT_NE(findings().first().message.find("spinlock recursion: kernel_pte_work.lock"),
            std::string::npos);
}

// An agent that keeps reporting after the stop without ever reaching a point (a design looping
// over a list its bug made cyclic) is unwound, not left spinning while its findings fill memory.
TEST_F(SchedRuntimeTest, AnAgentReportingInALoopWithNoPointIsUnwound) {
  RandomChoice src(2);
  SchedRuntime rt(&src);
  uint64_t reports = 0;
  rt.spawn("kworker", [&] {
    for (;;) {
      ++reports;
      report_finding(Detector::kDoubleFree, "frame freed twice");
    }
  }, false);
  rt.run();
  // The first report stops the execution; kMaxFindingsAfterStop more are let through.
  EXPECT_EQ(reports, SchedRuntime::kMaxFindingsAfterStop + 2);
  EXPECT_EQ(findings().first().detector, Detector::kDoubleFree);
}

// A daemon that sleeps in wait_on() while it has nothing to do (FreePathWorld's IOMMU agent on
// an empty queue) runs again on every wake_up, under every schedule: no wake-up is lost, and a
// daemon asleep when the work is over does not keep the execution alive.
TEST_F(SchedRuntimeTest, ASleepingDaemonMissesNoWakeUp) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    RandomChoice src(seed);
    SchedRuntime rt(&src);
    unsigned long queued = 0, served = 0;
    int q = 0;   // the queue object slept on
    rt.spawn("iommu", [&] {
      for (;;) {
        if (READ_ONCE(served) < READ_ONCE(queued)) {
          WRITE_ONCE(served, READ_ONCE(served) + 1);
          continue;
        }
        if (kthread_should_stop()) return;
        wait_on(&q);
      }
    }, true);
    rt.spawn("cpu", [&] {
      for (int i = 0; i < 3; ++i) {
        WRITE_ONCE(queued, READ_ONCE(queued) + 1);
        wake_up(&q);
        while (READ_ONCE(served) <= static_cast<unsigned long>(i)) yield_point();
      }
    }, false);
    rt.run();
    ASSERT_TRUE(findings().empty()) << "seed " << seed << ": " << findings().first().message;
    EXPECT_EQ(served, 3u) << "seed " << seed;
  }
}

// A daemon polling while a non-daemon works is idle time: it does not eat the work budget.
TEST_F(SchedRuntimeTest, IdleDaemonPointsDoNotCountAsWork) {
  RandomChoice src(11);
  SchedOptions opts;
  opts.step_budget = 100;
  SchedRuntime rt(&src, opts);
  unsigned long x = 0, done = 0;
  // Like FreePathWorld's IOMMU agent: polls until the work it serves is over.
  rt.spawn("poller", [&] { while (READ_ONCE(done) == 0) yield_point(); }, true);
  rt.spawn("worker", [&] {
    for (int i = 0; i < 90; ++i) (void)READ_ONCE(x);
    WRITE_ONCE(done, 1);
  }, false);
  rt.run();
  EXPECT_TRUE(findings().empty());
  EXPECT_GT(rt.step(), 100u);   // the daemon's points came on top of the worker's 90
}

// ... but a daemon that keeps a runnable non-daemon from ever running still ends the execution.
TEST_F(SchedRuntimeTest, ADaemonThatStarvesTheOthersHitsTheIdleAllowance) {
  FavourChoice src(0);   // the first agent spawned: the poller
  SchedOptions opts;
  opts.step_budget = 100;
  SchedRuntime rt(&src, opts);
  unsigned long x = 0;
  rt.spawn("poller", [&] { while (!kthread_should_stop()) yield_point(); }, true);
  rt.spawn("worker", [&] { for (int i = 0; i < 90; ++i) (void)READ_ONCE(x); }, false);
  rt.run();
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kStepBudget);
  EXPECT_LE(rt.step(), 100u * (SchedRuntime::kIdleStepsPerBudgetStep + 1) + 2);
}

// A trace keeps its last kMaxEntries entries and counts the ones it dropped.
TEST(TraceTest, AFullTraceDropsItsOlderHalf) {
  Trace t;
  const uint64_t n = Trace::kMaxEntries + 10;
  const Event ev{EventKind::kYield, nullptr, SVAFUZZ_HERE};
  for (uint64_t i = 0; i < n; ++i) t.record(i, 0, ev, nullptr);
  EXPECT_EQ(t.entries().size() + t.dropped(), n);
  EXPECT_LE(t.entries().size(), Trace::kMaxEntries);
  EXPECT_EQ(t.entries().back().step, n - 1);
  EXPECT_EQ(t.entries().front().step, t.dropped());
  t.clear();
  EXPECT_EQ(t.dropped(), 0u);
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
