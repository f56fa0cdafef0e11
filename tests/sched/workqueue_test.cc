// Work items: pending (queue once), requeue while running, flush_work, kworker termination.
#include <gtest/gtest.h>

#include "core/sched/exhaustive.h"
#include "core/sched/run.h"
#include "core/sched/sched_runtime.h"
#include "core/sched/strategies.h"
#include "core/sync/sync.h"
#include "core/sync/workqueue.h"

namespace svafuzz::sched {
namespace {

using namespace svafuzz::sync;

int g_runs = 0;
void count_func(work_struct*) { ++g_runs; }

DECLARE_WORK(g_static_work, count_func);

TEST(WorkqueueTest, InitializersGiveAnIdleWork) {
  EXPECT_EQ(g_static_work.data, 0u);
  EXPECT_EQ(g_static_work.entry.next, &g_static_work.entry);
  work_struct w;
  INIT_WORK(&w, count_func);
  EXPECT_EQ(w.func, &count_func);
  EXPECT_FALSE(work_pending(&w));
  EXPECT_FALSE(flush_work(&w));   // never queued: nothing to wait for
}

// cpu0 queues twice with no point in between that lets the kworker run (the kworker is
// blocked idle, and under a non-preemptive schedule it waits): second call returns false.
TEST(WorkqueueTest, ScheduleWorkWhilePendingReturnsFalse) {
  g_runs = 0;
  FuzzBytesChoice nonpreemptive(nullptr, 0);
  SchedRuntime rt(&nonpreemptive);
  WorkerPool pool(&rt);
  work_struct w;
  INIT_WORK(&w, count_func);
  bool first = false, second = true, flushed = false;
  rt.spawn("cpu0", [&] {
    first = schedule_work(&w);
    second = schedule_work(&w);
    flushed = flush_work(&w);
  }, false);
  rt.run();
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_TRUE(flushed);
  EXPECT_EQ(g_runs, 1);
  EXPECT_TRUE(findings().empty());
}

struct Requeue {
  work_struct work;
  int runs = 0;
  bool requeued = false;
};

void requeue_func(work_struct* w) {
  Requeue* r = container_of(w, Requeue, work);
  if (++r->runs == 1) r->requeued = schedule_work(w);   // PENDING is clear while running
}

TEST(WorkqueueTest, ScheduleWorkFromTheRunningFunctionRequeues) {
  FuzzBytesChoice nonpreemptive(nullptr, 0);
  SchedRuntime rt(&nonpreemptive);
  WorkerPool pool(&rt);
  Requeue r;
  INIT_WORK(&r.work, requeue_func);
  rt.spawn("cpu0", [&] {
    schedule_work(&r.work);
    flush_work(&r.work);
  }, false);
  rt.run();
  EXPECT_TRUE(r.requeued);
  EXPECT_EQ(r.runs, 2);
  EXPECT_FALSE(work_pending(&r.work));
}

TEST(WorkqueueTest, WorkRequeueScenarioHoldsOnEverySchedule) {
  register_builtin_scenarios();
  ExhaustiveSearch dfs(/*preemption_bound=*/2);
  SchedRuntime rt(&dfs);
  uint64_t bad = 0;
  do {
    RunResult r = run_sched_on(&rt, *find_scenario("work-requeue"), &dfs);
    bad += !r.findings.empty();
  } while (dfs.advance() && dfs.executions() < 20000);
  EXPECT_EQ(bad, 0u);
  EXPECT_GT(dfs.executions(), 10u);
}

TEST(WorkqueueTest, FlushWorkMightSleep) {
  findings().clear();
  FuzzBytesChoice nonpreemptive(nullptr, 0);
  SchedRuntime rt(&nonpreemptive);
  WorkerPool pool(&rt);
  work_struct w;
  INIT_WORK(&w, count_func);
  DEFINE_SPINLOCK(lock);
  rt.spawn("cpu0", [&] {
    schedule_work(&w);
    spin_lock(&lock);
    flush_work(&w);   // sleeping under a spinlock
    spin_unlock(&lock);
  }, false);
  rt.run();
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kMightSleep);
  findings().clear();
}

}  // namespace
}  // namespace svafuzz::sched
