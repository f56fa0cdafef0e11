// Teardown: pending work is drained first (a correct design ends clean), then page-table
// frames stranded on a deferred list or leaked are findings.
#include <gtest/gtest.h>

#include "core/free/world.h"
#include "core/sched/sched_runtime.h"
#include "core/sched/strategies.h"
#include "core/sync/finding.h"
#include "tests/free/test_designs.h"

namespace svafuzz::free::testing {
namespace {

WorldOptions opts(const char* design) {
  register_test_designs();
  WorldOptions o;
  o.design = design;
  o.hw_mode = iommu::HwMode::kSynchronous;
  return o;
}

bool has(Detector d) {
  for (const Finding& f : findings().snapshot()) {
    if (f.detector == d) return true;
  }
  return false;
}

// The work is queued but its kworker never ran (the runtime is not run): teardown runs it on
// the host, so mainline frees the page and ends clean.
TEST(Teardown, PendingWorkIsDrainedSoMainlineEndsClean) {
  findings().clear();
  sched::RandomChoice src(1);
  sched::SchedRuntime rt(&src);
  FreePathWorld w(opts("mainline"));
  w.start(&rt);
  mm::ptdesc* pt = w.slot_table(0);
  ASSERT_EQ(w.huge_promote(0), 1);
  EXPECT_EQ(pt->use.load(), mm::FrameUse::kPageTable);   // deferred, not yet freed
  EXPECT_EQ(w.teardown(), 0);
  EXPECT_EQ(pt->use.load(), mm::FrameUse::kFree);
  EXPECT_TRUE(findings().empty()) << format_finding(findings().first());
}

TEST(Teardown, PageLeftOnAListIsStranded) {
  findings().clear();
  FreePathWorld w(opts("test-park"));
  ASSERT_EQ(w.huge_promote(1), 1);
  EXPECT_EQ(w.teardown(), 1);
  EXPECT_TRUE(has(Detector::kStranded));
  EXPECT_FALSE(has(Detector::kLeak));
  findings().clear();
}

TEST(Teardown, PageOnNoListIsALeak) {
  findings().clear();
  FreePathWorld w(opts("test-drop"));
  ASSERT_EQ(w.huge_promote(1), 1);
  EXPECT_EQ(w.teardown(), 1);
  EXPECT_TRUE(has(Detector::kLeak));
  EXPECT_FALSE(has(Detector::kStranded));
  findings().clear();
}

TEST(Teardown, NothingFreedIsClean) {
  findings().clear();
  FreePathWorld w(opts("mainline"));
  EXPECT_EQ(w.teardown(), 0);
  EXPECT_TRUE(findings().empty());
}

// After a finding the execution's state is not meaningful: teardown adds nothing.
TEST(Teardown, SkippedAfterAFinding) {
  findings().clear();
  FreePathWorld w(opts("test-park"));
  w.huge_promote(1);
  report_finding(Detector::kOracle, "earlier finding");
  EXPECT_EQ(w.teardown(), 0);
  EXPECT_EQ(findings().snapshot().size(), 1u);
  findings().clear();
}

}  // namespace
}  // namespace svafuzz::free::testing
