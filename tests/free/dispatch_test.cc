// pagetable_free() -> pagetable_free_kernel() dispatch on PT_kernel, and the
// CONFIG_ASYNC_KERNEL_PGTABLE_FREE analogue at build time and at run time.
#include <gtest/gtest.h>

#include "core/free/world.h"
#include "core/mm/pgalloc.h"
#include "core/sync/finding.h"
#include "tests/free/test_designs.h"

namespace svafuzz::free::testing {
namespace {

WorldOptions opts(bool async) {
  register_test_designs();
  WorldOptions o;
  o.design = "test-count";
  o.hw_mode = iommu::HwMode::kSynchronous;
  o.async_kernel_pgtable_free = async;
  return o;
}

TEST(Dispatch, BuildOptionSetsTheDefault) {
  EXPECT_EQ(mm::KernelOptions{}.async_kernel_pgtable_free,
            static_cast<bool>(IS_ENABLED(CONFIG_ASYNC_KERNEL_PGTABLE_FREE)));
  EXPECT_EQ(WorldOptions{}.async_kernel_pgtable_free, mm::KernelOptions{}.async_kernel_pgtable_free);
}

// A kernel PTE table (pte_alloc_kernel marks it) goes to the design, with the mark cleared
// first, as pagetable_free does.
TEST(Dispatch, MarkedKernelTableGoesToTheDesign) {
  findings().clear();
  FreePathWorld w(opts(true));
  mm::ptdesc* pt = w.slot_table(0);
  ASSERT_TRUE(mm::ptdesc_test_kernel(pt));
  EXPECT_EQ(w.huge_promote(0), 1);
  EXPECT_EQ(test_count_calls(), 1);
  EXPECT_EQ(test_count_marked_on_entry(), 0);
  EXPECT_EQ(pt->use.load(), mm::FrameUse::kFree);
  EXPECT_TRUE(findings().empty());
}

// CONFIG_ASYNC_KERNEL_PGTABLE_FREE off at run time: pagetable_free_kernel is __pagetable_free.
TEST(Dispatch, AsyncOffFreesAtOnceWithoutTheDesign) {
  FreePathWorld w(opts(false));
  mm::ptdesc* pt = w.slot_table(1);
  EXPECT_EQ(w.huge_promote(1), 1);
  EXPECT_EQ(test_count_calls(), 0);
  EXPECT_EQ(pt->use.load(), mm::FrameUse::kFree);
}

// An unmarked table (a bare pagetable_alloc, as CPA's split) is freed at once.
TEST(Dispatch, UnmarkedTableIsFreedAtOnce) {
  FreePathWorld w(opts(true));
  mm::ptdesc* pt = mm::pagetable_alloc(mm::kPte, &w.kernel().init_mm());
  ASSERT_NE(pt, nullptr);
  EXPECT_FALSE(mm::ptdesc_test_kernel(pt));
  mm::pagetable_free(pt);
  EXPECT_EQ(test_count_calls(), 0);
  EXPECT_EQ(pt->use.load(), mm::FrameUse::kFree);
}

// Design state is reset per world: the counters start at zero in every execution.
TEST(Dispatch, DesignStateIsResetPerWorld) {
  {
    FreePathWorld w(opts(true));
    w.huge_promote(0);
    w.huge_promote(1);
    EXPECT_EQ(test_count_calls(), 2);
  }
  FreePathWorld w(opts(true));
  EXPECT_EQ(test_count_calls(), 0);
}

}  // namespace
}  // namespace svafuzz::free::testing
