// CPA on the direct map (set_memory.c, v6.19): split of a 2 MiB leaf into a bare (unmarked)
// PTE table, in-place changes, and cpa_collapse_large_pages, which restores the large page,
// flush_tlb_all()s and pagetable_free()s the table: straight to __pagetable_free, no deferral.
#include "core/mm/cpa.h"
#include "core/mm/pgtable_alloc.h"
#include "tests/mm/lock_recorder.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

constexpr uint64_t k2M = 1ULL << 21;
const std::string kFlushAll = "flush 0-ffffffffffffffff";

class CpaTest : public MmTest {
 protected:
  uint64_t large() { return k().layout().direct_map(k2M); }   // a boot 2 MiB leaf
  uint64_t page(int i) { return large() + i * PAGE_SIZE; }
  std::string range_flush(uint64_t s, uint64_t e) { return "flush " + hex(s) + "-" + hex(e); }
  // set_memory_ro(page(5), 1)
  void split_by_ro() {
    ASSERT_EQ(change_page_attr_set_clr(page(5), 1, 0, _PAGE_RW, false, false), 0);
  }
};

TEST_P(CpaTest, SplitUsesABareUnmarkedPteTable) {
  ASSERT_EQ(walk(init_mm(), page(5)).level, kPmd);
  split_by_ro();
  ptdesc* pte = table_at(init_mm(), large(), kPte);
  ASSERT_NE(pte, nullptr);
  EXPECT_FALSE(marked(pte));   // alloc_pages(GFP_KERNEL, 0), not pagetable_alloc + mark
  EXPECT_FALSE(reserved(pte));
  EXPECT_STREQ(pte->alloc_site.what, "split_large_page");
  EXPECT_EQ(entry_at(init_mm(), large(), kPmd) & ~PTE_PFN_MASK, _KERNPG_TABLE);
  for (int i = 0; i < 512; ++i) {
    pteval_t e = read_entry(table_slot(pte, i));
    ASSERT_EQ(entry_phys(e), k2M + i * PAGE_SIZE) << i;
    ASSERT_TRUE(e & _PAGE_GLOBAL) << i;
    ASSERT_FALSE(e & _PAGE_PSE) << i;
    ASSERT_EQ((e & _PAGE_RW) != 0, i != 5) << i;
  }
  WalkResult r = walk(init_mm(), page(5) + 7);
  EXPECT_EQ(r.level, kPte);
  EXPECT_EQ(r.pa, k2M + 5 * PAGE_SIZE + 7);
  EXPECT_FALSE(r.writable);
  EXPECT_TRUE(walk(init_mm(), page(4)).writable);
  // __split_large_page's flush_tlb_all, then cpa_flush of the one changed page.
  EXPECT_EQ(log_, (std::vector<std::string>{kFlushAll, range_flush(page(5), page(6))}));
}

TEST_P(CpaTest, CollapseRestoresLargePageAndFreesTableAtOnce) {
  split_by_ro();
  ptdesc* pte = table_at(init_mm(), large(), kPte);
  log_.clear();
  // set_memory_rw with CPA_COLLAPSE (what set_memory_rox's path does): the PTEs match again.
  ASSERT_EQ(change_page_attr_set_clr(page(5), 1, _PAGE_RW, 0, false, true), 0);
  WalkResult r = walk(init_mm(), page(5) + 3);
  EXPECT_EQ(r.level, kPmd);
  EXPECT_EQ(r.pa, k2M + 5 * PAGE_SIZE + 3);
  EXPECT_TRUE(r.writable);
  pteval_t pmd = entry_at(init_mm(), large(), kPmd);
  EXPECT_TRUE(pmd & _PAGE_PSE);
  EXPECT_TRUE(pmd & _PAGE_GLOBAL);
  // cpa_flush, then cpa_collapse_large_pages' flush_tlb_all before pagetable_free.
  EXPECT_EQ(log_, (std::vector<std::string>{range_flush(page(5), page(6)), kFlushAll}));
  EXPECT_TRUE(deferred_.empty());   // unmarked: no pagetable_free_kernel
  EXPECT_TRUE(is_free(pte));
  EXPECT_STREQ(pte->free_site.what, "pagetable_free");
  EXPECT_TRUE(findings().empty());
}

TEST_P(CpaTest, NoCollapseWhenNothingChanged) {
  split_by_ro();
  ASSERT_EQ(change_page_attr_set_clr(page(5), 1, _PAGE_RW, 0, false, false), 0);
  ptdesc* pte = table_at(init_mm(), large(), kPte);
  log_.clear();
  // Already RW: no CPA_FLUSHTLB, so cpa_flush (and its collapse) never runs.
  ASSERT_EQ(change_page_attr_set_clr(page(5), 1, _PAGE_RW, 0, false, true), 0);
  EXPECT_TRUE(log_.empty());
  EXPECT_FALSE(is_free(pte));
  EXPECT_EQ(walk(init_mm(), page(5)).level, kPte);
  // The table is collapsible, and cpa_collapse_large_pages itself does collapse it.
  EXPECT_EQ(cpa_collapse_large_pages(page(5), 1), 1);
  EXPECT_TRUE(is_free(pte));
  EXPECT_EQ(walk(init_mm(), page(5)).level, kPmd);
}

TEST_P(CpaTest, CollapseRefusesIncompatiblePtes) {
  split_by_ro();
  ptdesc* pte = table_at(init_mm(), large(), kPte);
  log_.clear();
  EXPECT_EQ(cpa_collapse_large_pages(page(0), 512), 0);   // page 5 differs
  EXPECT_TRUE(log_.empty());   // "if (!collapsed) return;" before the flush
  EXPECT_FALSE(is_free(pte));
}

TEST_P(CpaTest, WholeLargePageChangesInPlace) {
  ASSERT_EQ(change_page_attr_set_clr(large(), 512, 0, _PAGE_NX, false, false), 0);
  EXPECT_EQ(table_at(init_mm(), large(), kPte), nullptr);   // no split
  WalkResult r = walk(init_mm(), large() + 0x1000);
  EXPECT_EQ(r.level, kPmd);
  EXPECT_FALSE(r.nx);
  EXPECT_EQ(log_, std::vector<std::string>{kFlushAll});   // 512 > 33 pages: flush_tlb_all
  // A same-prot request keeps the large page whatever the alignment ("Optimization").
  log_.clear();
  ASSERT_EQ(change_page_attr_set_clr(page(3), 2, 0, _PAGE_NX, false, false), 0);
  EXPECT_EQ(walk(init_mm(), page(3)).level, kPmd);
  EXPECT_TRUE(log_.empty());
}

TEST_P(CpaTest, ForceSplitAloneFlushesOnlyInTheSplit) {
  ASSERT_EQ(set_memory_4k(page(0), 1), 0);
  EXPECT_EQ(walk(init_mm(), page(0)).level, kPte);
  EXPECT_EQ(log_, std::vector<std::string>{kFlushAll});   // no PTE changed: no cpa_flush
}

TEST_P(CpaTest, UnmappedAddressIsEfault) {
  uint64_t beyond = k().layout().direct_map(k().options().boot_ram_bytes);
  EXPECT_EQ(change_page_attr_set_clr(beyond, 1, 0, _PAGE_RW, false, true), -14);
  EXPECT_TRUE(log_.empty());
}

TEST_P(CpaTest, LocksAreCpaLockAndPgdLockOnly) {
  LockRecorder rec;
  split_by_ro();
  Kernel& kk = k();
  pteval_t* pmd_slot = table_slot(table_at(init_mm(), large(), kPmd), pt_index(large(), kPmd));
  long publish = -1;   // the split's __set_pmd_pte
  for (size_t i = 0; i < rec.events().size(); ++i) {
    const auto& e = rec.events()[i];
    if (e.kind == sync::EventKind::kWrite && e.object == pmd_slot) publish = long(i);
  }
  ASSERT_GE(publish, 0);
  EXPECT_TRUE(rec.held_at(&kk.pgd_lock(), publish));
  EXPECT_TRUE(rec.held_at(&kk.cpa_lock(), publish));
  EXPECT_GE(rec.acquires(&kk.cpa_lock()), 2u);   // dropped and retaken around alloc_pages
  EXPECT_TRUE(rec.balanced(&kk.cpa_lock()));
  EXPECT_TRUE(rec.balanced(&kk.pgd_lock()));
  rec.clear();
  ASSERT_EQ(change_page_attr_set_clr(page(5), 1, _PAGE_RW, 0, false, true), 0);
  long collapse = -1;
  for (size_t i = 0; i < rec.events().size(); ++i) {
    const auto& e = rec.events()[i];
    if (e.kind == sync::EventKind::kWrite && e.object == pmd_slot) collapse = long(i);
  }
  ASSERT_GE(collapse, 0);
  EXPECT_TRUE(rec.held_at(&kk.pgd_lock(), collapse));     // collapse_large_pages
  EXPECT_FALSE(rec.held_at(&kk.cpa_lock(), collapse));
  // v6.19: nothing that excludes ptdump (init_mm's mmap_lock, mem_hotplug_lock).
  EXPECT_EQ(rec.acquires(&init_mm()->mmap_lock), 0u);
  EXPECT_EQ(rec.acquires(&kk.mem_hotplug_lock()), 0u);
}

INSTANTIATE_TEST_SUITE_P(mm, CpaTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
