// Teardown's walk from the page-table roots (core/free/teardown.cc) reports a reachable entry
// into a freed frame, or a frame reused as data, as a dangling-table finding naming the entry,
// instead of stopping at it silently. Its own binary: it needs the free-path world.
#include <gtest/gtest.h>

#include <string>

#include "core/free/world.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable.h"
#include "core/mm/vmalloc.h"
#include "core/sync/finding.h"

namespace svafuzz::mm::testing {
namespace {

constexpr phys_addr_t kDev = 8ULL << 30;

class DanglingTeardownTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    findings().clear();
    free::WorldOptions o;
    o.levels = GetParam();
    o.hw_mode = iommu::HwMode::kSynchronous;
    world_ = std::make_unique<free::FreePathWorld>(o);
    va_ = vmalloc_model_start() + 9 * PMD_SIZE;
    ASSERT_EQ(vmap_range_noflush(va_, va_ + PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    ptdesc* t = world_->kernel().init_mm().pgd;
    for (int l = world_->kernel().levels(); l > kPmd; --l) {
      t = entry_to_ptdesc(read_entry(table_slot(t, pt_index(va_, l))));
    }
    slot_ = table_slot(t, pt_index(va_, kPmd));
    pte_ = entry_to_ptdesc(read_entry(slot_));
  }
  void TearDown() override {
    findings().clear();
    world_.reset();
  }

  // Unlinks the PTE table, releases it, and writes the old entry back (a stale populate).
  void relink_freed_table() {
    pteval_t stale = read_entry(slot_);
    clear_entry(slot_);
    __pagetable_free(pte_, "freed, then relinked");
    write_entry(slot_, stale);
    ASSERT_TRUE(findings().empty()) << format_finding(findings().first());
  }

  std::unique_ptr<free::FreePathWorld> world_;
  uint64_t va_ = 0;
  pteval_t* slot_ = nullptr;
  ptdesc* pte_ = nullptr;
};

TEST_P(DanglingTeardownTest, ReachableEntryIntoAFreedFrameIsReported) {
  relink_freed_table();
  EXPECT_GE(world_->teardown(), 1);
  ASSERT_FALSE(findings().empty());
  Finding f = findings().first();
  EXPECT_EQ(f.detector, Detector::kDanglingTable);
  EXPECT_NE(f.message.find("at teardown"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("pmd entry " + std::to_string(pt_index(va_, kPmd))),
            std::string::npos) << f.message;
  EXPECT_NE(f.message.find("(reachable from init_mm's pgd) points at a FREED frame"),
            std::string::npos) << f.message;
  EXPECT_NE(f.message.find("last freed by freed, then relinked"), std::string::npos)
      << f.message;
  clear_entry(slot_);
}

TEST_P(DanglingTeardownTest, ReachableEntryIntoAFrameReusedAsDataIsReported) {
  relink_freed_table();
  ptdesc* spray = world_->kernel().frames().alloc_hot(FrameUse::kData, "attacker spray");
  ASSERT_EQ(spray, pte_);
  EXPECT_GE(world_->teardown(), 1);
  ASSERT_FALSE(findings().empty());
  Finding f = findings().first();
  EXPECT_EQ(f.detector, Detector::kDanglingTable);
  EXPECT_NE(f.message.find("points at a frame REUSED as data"), std::string::npos) << f.message;
  clear_entry(slot_);
  free_page(spray, "attacker release");
}

TEST_P(DanglingTeardownTest, CleanTablesAreNotReported) {
  EXPECT_EQ(world_->teardown(), 0);
  EXPECT_TRUE(findings().empty()) << format_finding(findings().first());
}

INSTANTIATE_TEST_SUITE_P(mm, DanglingTeardownTest, ::testing::Values(4, 5),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "L" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace svafuzz::mm::testing
