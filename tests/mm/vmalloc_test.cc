// vmap/vunmap of 4 KiB pages and huge promotion at PMD and PUD level.
#include "core/mm/huge_vmap.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/vmalloc.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

using VmallocTest = MmTest;
constexpr phys_addr_t kPhys = 0x40000000ULL * 8;   // device memory at 8 GiB

TEST_P(VmallocTest, VmapSmallPagesAllocatesMarkedTables) {
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  ASSERT_EQ(vmap_range_noflush(va, va + 4 * PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), 0);
  for (int i = 0; i < 4; ++i) {
    WalkResult r = walk(init_mm(), va + i * PAGE_SIZE + 5);
    ASSERT_TRUE(r.present);
    EXPECT_EQ(r.level, kPte);
    EXPECT_EQ(r.pa, kPhys + i * PAGE_SIZE + 5);
  }
  ptdesc* pte = table_at(init_mm(), va, kPte);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ASSERT_TRUE(pte && pmd);
  EXPECT_TRUE(marked(pte));   // __pte_alloc_one_kernel always marks
  EXPECT_TRUE(marked(pmd));   // pmd_alloc_one(&init_mm) marks
  EXPECT_EQ(entry_at(init_mm(), va, kPmd) & ~PTE_PFN_MASK, _KERNPG_TABLE);
  EXPECT_EQ(entry_at(init_mm(), va, kPud) & ~PTE_PFN_MASK, _PAGE_TABLE);
  EXPECT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), -kEEXIST);
}

TEST_P(VmallocTest, VunmapClearsButNeverFreesTables) {
  uint64_t va = vmalloc_model_start();
  ASSERT_EQ(vmap_range_noflush(va, va + 2 * PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), 0);
  size_t tables = k().frames().count(FrameUse::kPageTable);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  vunmap_range(va, va + 2 * PAGE_SIZE);
  EXPECT_FALSE(walk(init_mm(), va).present);
  EXPECT_EQ(k().frames().count(FrameUse::kPageTable), tables);
  EXPECT_FALSE(is_free(pte));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "flush " + hex(va) + "-" + hex(va + 2 * PAGE_SIZE));
}

TEST_P(VmallocTest, HugePmdPromotionDefersMarkedPteTable) {
  uint64_t va = vmalloc_model_start() + PMD_SIZE;
  ASSERT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), 0);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  vunmap_range(va, va + PAGE_SIZE);
  log_.clear();
  ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kPhys, __PAGE_KERNEL, PMD_SHIFT), 0);
  // pmd_clear, flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1), pagetable_dtor_free.
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_EQ(log_[0], "flush " + hex(va) + "-" + hex(va + PAGE_SIZE - 1));
  EXPECT_EQ(log_[1], "defer pfn " + hex(pte->pfn));
  EXPECT_FALSE(marked(pte));   // pagetable_free clears the mark before queueing
  EXPECT_FALSE(is_free(pte));  // still waiting for the worker
  WalkResult r = walk(init_mm(), va + 0x1234);
  EXPECT_TRUE(r.present);
  EXPECT_EQ(r.level, kPmd);
  EXPECT_EQ(r.pa, kPhys + 0x1234);
  drain_deferred();
  EXPECT_TRUE(is_free(pte));
}

TEST_P(VmallocTest, HugePudPromotionFreesPmdAndPteTables) {
  uint64_t va = vmalloc_model_start() + PUD_SIZE;
  ASSERT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), 0);
  ASSERT_EQ(vmap_range_noflush(va + 5 * PMD_SIZE, va + 5 * PMD_SIZE + PAGE_SIZE, kPhys,
                               __PAGE_KERNEL, PAGE_SHIFT), 0);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ptdesc* pte0 = table_at(init_mm(), va, kPte);
  ptdesc* pte5 = table_at(init_mm(), va + 5 * PMD_SIZE, kPte);
  vunmap_range(va, va + PUD_SIZE);
  log_.clear();
  size_t data = k().frames().count(FrameUse::kData);
  ASSERT_EQ(ioremap_page_range(va, va + PUD_SIZE, kPhys, __PAGE_KERNEL), 0);
  // pud_clear, flush, each PTE table, free_page(scratch), pmd_free(PMD table).
  std::vector<std::string> want = {"flush " + hex(va) + "-" + hex(va + PAGE_SIZE - 1),
                                   "defer pfn " + hex(pte0->pfn), "defer pfn " + hex(pte5->pfn),
                                   "defer pfn " + hex(pmd->pfn)};
  EXPECT_EQ(log_, want);
  EXPECT_EQ(k().frames().count(FrameUse::kData), data);   // the scratch page is gone again
  WalkResult r = walk(init_mm(), va + PUD_SIZE - 1);
  EXPECT_TRUE(r.present);
  EXPECT_EQ(r.level, kPud);
  EXPECT_EQ(r.pa, kPhys + PUD_SIZE - 1);
  vunmap_range(va, va + PUD_SIZE);
  EXPECT_FALSE(walk(init_mm(), va).present);
  drain_deferred();
  EXPECT_TRUE(findings().empty());
}

TEST_P(VmallocTest, HugeConditionsFallBackToSmallerPages) {
  uint64_t va = vmalloc_model_start() + 2 * PUD_SIZE;
  // phys not PMD aligned -> PTEs
  ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kPhys + PAGE_SIZE, __PAGE_KERNEL, PUD_SHIFT), 0);
  EXPECT_EQ(walk(init_mm(), va).level, kPte);
  // max_page_shift below PMD_SHIFT -> PTEs
  ASSERT_EQ(vmap_range_noflush(va + PMD_SIZE, va + 2 * PMD_SIZE, kPhys, __PAGE_KERNEL, 20), 0);
  EXPECT_EQ(walk(init_mm(), va + PMD_SIZE).level, kPte);
  // 4 MiB with PUD_SHIFT allowed -> two PMD leaves
  ASSERT_EQ(vmap_range_noflush(va + 2 * PMD_SIZE, va + 4 * PMD_SIZE, kPhys, __PAGE_KERNEL, PUD_SHIFT), 0);
  EXPECT_EQ(walk(init_mm(), va + 3 * PMD_SIZE).level, kPmd);
  EXPECT_TRUE(log_.empty());
}

TEST_P(VmallocTest, SynchronousFreeWhenAsyncOff) {
  k().hooks().pagetable_free_kernel = nullptr;   // CONFIG_ASYNC_KERNEL_PGTABLE_FREE off
  uint64_t va = vmalloc_model_start();
  ASSERT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kPhys, __PAGE_KERNEL, PAGE_SHIFT), 0);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  vunmap_range(va, va + PAGE_SIZE);
  ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kPhys, __PAGE_KERNEL, PMD_SHIFT), 0);
  EXPECT_TRUE(is_free(pte));
}

INSTANTIATE_TEST_SUITE_P(mm, VmallocTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
