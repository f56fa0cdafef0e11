// The bug the suite exists to find (BRIEF §1, §7 shape 2): a kernel PTE table freed while an
// SVA IOMMU still caches the PDE pointing at it. A later device walk through the stale PDE
// reads the freed frame (AddressSanitizer: use-after-poison) or, once the frame is reused, is
// caught by the walker's frame check. The mainline order (invalidate, then free) is clean.
#include "core/mm/huge_vmap.h"
#include "tests/iommu/iommu_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define IOMMU_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IOMMU_TEST_ASAN 1
#endif
#endif

namespace svafuzz::iommu::testing {
namespace {

class StaleWalkTest : public IommuTest {
 protected:
  void SetUp() override {
    IommuTest::SetUp();
    iommu_sva_bind_device(dev_, mm_);
    vmap_page(0);
    pte_table_ = table_at(&k_->init_mm(), kva(0), kPte);
    ASSERT_NE(pte_table_, nullptr);
    // A user-privilege DMA to the kernel address faults on U/S after caching the PDE.
    ASSERT_EQ(dev_->dma_read(pasid(mm_), kva(0)).tr.fault, Fault::kUserSupervisor);
    ASSERT_TRUE(psc_has(kPmd, kva(0)));
  }
  // pmd_free_pte_page with no deferral hook: the PTE table is freed at once and nothing
  // invalidates the IOMMU (the pre-fix kernel: "free now, flush later").
  void free_pte_table_without_invalidation() {
    pteval_t* pmd = slot_at(&k_->init_mm(), kva(0), kPmd);
    ASSERT_EQ(pmd_free_pte_page(pmd, kva(0)), 1);
    ASSERT_EQ(pte_table_->use.load(), FrameUse::kFree);
  }
  ptdesc* pte_table_ = nullptr;
};

// Acceptance (issue 3): a device walk through a stale PDE into the freed, poisoned PTE table
// is reported by AddressSanitizer at the walker's READ_ONCE of the entry.
TEST_P(StaleWalkTest, FreedTableIsUseAfterPoison) {
#ifdef IOMMU_TEST_ASAN
  free_pte_table_without_invalidation();
  EXPECT_DEATH(dev_->dma_read(pasid(mm_), kva(0)), "use-after-poison");
#else
  GTEST_SKIP() << "needs AddressSanitizer (asan/fuzz presets): the freed frame is poisoned, and "
                  "only ASan turns the walker's read of it into a report";
#endif
}

// Without ASan the same walk is still caught: the walker's frame check after the read
// reports the freed frame.
TEST_P(StaleWalkTest, FreedTableIsFrameCheckFindingWithoutAsan) {
#ifdef IOMMU_TEST_ASAN
  GTEST_SKIP() << "under ASan the read of the freed frame aborts first (FreedTableIsUseAfterPoison)";
#else
  free_pte_table_without_invalidation();
  dev_->dma_read(pasid(mm_), kva(0));
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kFrameCheck);
  EXPECT_NE(findings().first().message.find("FREED"), std::string::npos);
#endif
}

// The freed PTE table is reused as data (an attacker's spray gets the hot frame): the read is
// no longer poisoned, and the walker's frame check reports the reuse.
TEST_P(StaleWalkTest, ReusedTableIsFrameCheckFinding) {
  free_pte_table_without_invalidation();
  ptdesc* spray = k_->frames().alloc_hot(FrameUse::kData, "spray");
  ASSERT_EQ(spray, pte_table_);
  DmaResult r = dev_->dma_read(pasid(mm_), kva(0));
  EXPECT_EQ(r.tr.fault, Fault::kBadTable);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kFrameCheck);
  EXPECT_NE(findings().first().message.find("REUSED"), std::string::npos);
}

// Reuse as a table of the same level and owner is caught by the generation recorded in the
// paging-structure entry (frame_check_table_gen).
TEST_P(StaleWalkTest, ReusedAsSameTableIsCaughtByGeneration) {
  free_pte_table_without_invalidation();
  ptdesc* again = k_->frames().alloc_hot(FrameUse::kData, "reuse");
  ASSERT_EQ(again, pte_table_);
  k_->frames().free(again, "reuse");
  ptdesc* pt = k_->frames().alloc_hot(FrameUse::kData, "reuse as table");
  ASSERT_EQ(pt, pte_table_);
  pt->use.store(FrameUse::kPageTable);
  pt->level.store(kPte);
  pt->mm.store(&k_->init_mm());
  dev_->dma_read(pasid(mm_), kva(0));
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kFrameCheck);
}

// Mainline v6.19 order (kernel-sources items 2, 8, 9): iommu_sva_invalidate_kva_range before
// the free. The walk then starts from the live tables and faults cleanly.
TEST_P(StaleWalkTest, InvalidateBeforeFreeIsClean) {
  std::vector<ptdesc*> deferred;
  k_->hooks().pagetable_free_kernel = [&](ptdesc* pt) { deferred.push_back(pt); };
  pteval_t* pmd = slot_at(&k_->init_mm(), kva(0), kPmd);
  ASSERT_EQ(pmd_free_pte_page(pmd, kva(0)), 1);
  ASSERT_EQ(deferred.size(), 1u);
  iommu_sva_invalidate_kva_range(k_->layout().page_offset, TLB_FLUSH_ALL);
  for (ptdesc* pt : deferred) __pagetable_free(pt, "kernel_pgtable_work_func");
  EXPECT_FALSE(psc_has(kPmd, kva(0)));
  EXPECT_EQ(dev_->dma_read(pasid(mm_), kva(0)).tr.fault, Fault::kNotPresent);
  IommuOracle oracle(*sys_);
  EXPECT_EQ(oracle.check().stale, 0u);
  EXPECT_TRUE(findings().empty());
}

// oracle.h: before any invalidation the stale PDE is a pending change (explained); in strict
// mode an un-noted change is a finding, a noted one is pending until invalidated.
TEST_P(StaleWalkTest, OracleLedger) {
  pteval_t* pmd = slot_at(&k_->init_mm(), kva(0), kPmd);
  write_entry(pmd, 0);   // pmd_clear, the table kept alive
  IommuOracle lenient(*sys_);
  OracleStats s = lenient.check();
  EXPECT_GE(s.stale, 1u);
  EXPECT_EQ(s.findings, 0u);
  IommuOracle strict(*sys_, /*strict=*/true);
  EXPECT_GE(strict.check().findings, 1u);
  findings().clear();
  strict.note_change(&k_->init_mm(), kva(0), kva(0) + PMD_SIZE - 1);
  EXPECT_EQ(strict.check().findings, 0u);
  iommu_sva_invalidate_kva_range(kva(0), kva(0) + PAGE_SIZE);
  OracleStats after = strict.check();
  EXPECT_EQ(after.stale, 0u);
  EXPECT_TRUE(findings().empty());
}

// Testing the tester (oracle.h): a unit that keeps paging-structure entries across a completed
// IH=0 page-selective invalidation (VT-d §6.5.2.4 says it must drop them) is reported by both
// the strict and the lenient oracle.
TEST_P(StaleWalkTest, OracleReportsPlantedIhDefect) {
  unit_->set_defects(HwDefects{/*psi_keeps_psc=*/true});
  IommuOracle strict(*sys_, /*strict=*/true);
  strict.note_change(&k_->init_mm(), kva(0), kva(0) + PMD_SIZE - 1);
  write_entry(slot_at(&k_->init_mm(), kva(0), kPmd), 0);   // pmd_clear, the table kept alive
  iommu_sva_invalidate_kva_range(k_->layout().page_offset, TLB_FLUSH_ALL);
  ASSERT_TRUE(psc_has(kPmd, kva(0)));   // the defect kept it
  EXPECT_GE(strict.check().findings, 1u);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kOracle);
  findings().clear();
  IommuOracle lenient(*sys_);
  EXPECT_GE(lenient.check().findings, 1u);
  findings().clear();
}

INSTANTIATE_TEST_SUITE_P(Levels, StaleWalkTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::iommu::testing
