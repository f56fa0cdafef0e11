// Memory hot-add (kernel_physical_mapping_init after boot: alloc_low_pages tables, unmarked)
// and hot-remove (remove_pagetable: free_pagetable -> pagetable_free -> __pagetable_free at
// once, free before clear, flush_tlb_all), at both paging depths.
#include "core/mm/memory_hotplug.h"
#include "core/mm/pgtable_alloc.h"
#include "core/sync/atomic.h"
#include "tests/mm/lock_recorder.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

using HotplugTest = MmTest;
constexpr phys_addr_t k1G = 1ULL << 30;
constexpr phys_addr_t kHotBase = 4 * k1G;   // a fresh PUD slot of the direct map
constexpr uint64_t k2M = 1ULL << 21;
const std::string kFlushAll = "flush 0-ffffffffffffffff";

TEST_P(HotplugTest, HotAdd2MiBMapsLeavesWithAnUnmarkedPmdTable) {
  ASSERT_EQ(add_memory(kHotBase, 2 * k2M, /*use_4k=*/false), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  for (uint64_t off : {uint64_t{0}, k2M + 0x123}) {
    WalkResult r = walk(init_mm(), va + off);
    ASSERT_TRUE(r.present);
    EXPECT_EQ(r.level, kPmd);
    EXPECT_EQ(r.pa, kHotBase + off);
    EXPECT_TRUE(r.writable && r.nx && !r.user);
  }
  EXPECT_FALSE(walk(init_mm(), va + 2 * k2M).present);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ASSERT_NE(pmd, nullptr);
  // alloc_low_pages after boot: __get_free_pages, never PT_kernel, not bootmem either.
  EXPECT_FALSE(marked(pmd));
  EXPECT_FALSE(reserved(pmd));
  EXPECT_STREQ(pmd->alloc_site.what, "alloc_low_pages");
  EXPECT_EQ(pmd->level.load(), kPmd);
  EXPECT_EQ(pmd->mm.load(), init_mm());
  EXPECT_EQ(entry_at(init_mm(), va, kPud) & ~PTE_PFN_MASK, _PAGE_TABLE);   // pud_populate_init
  EXPECT_TRUE(log_.empty());   // hot-add flushes nothing
}

TEST_P(HotplugTest, HotAdd4KiBBuildsUnmarkedPteTables) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  WalkResult r = walk(init_mm(), va + 511 * PAGE_SIZE + 8);
  ASSERT_TRUE(r.present);
  EXPECT_EQ(r.level, kPte);
  EXPECT_EQ(r.pa, kHotBase + 511 * PAGE_SIZE + 8);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  ASSERT_NE(pte, nullptr);
  EXPECT_FALSE(marked(pte));
  EXPECT_FALSE(reserved(pte));
  EXPECT_EQ(entry_at(init_mm(), va, kPmd) & ~PTE_PFN_MASK, _KERNPG_TABLE);
}

TEST_P(HotplugTest, HotRemoveFreesTablesAtOnceWithoutDeferral) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ASSERT_TRUE(pte && pmd);
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  EXPECT_FALSE(walk(init_mm(), va).present);
  // Unmarked: pagetable_free sent both straight to __pagetable_free; nothing was deferred.
  EXPECT_TRUE(deferred_.empty());
  EXPECT_TRUE(is_free(pte));
  EXPECT_TRUE(is_free(pmd));
  EXPECT_STREQ(pte->free_site.what, "pagetable_free");
  EXPECT_STREQ(pmd->free_site.what, "pagetable_free");
  EXPECT_EQ(entry_at(init_mm(), va, kPud), 0u);   // free_pmd_table cleared the PUD entry
  // remove_pte_table's flush_tlb_all, then remove_pagetable's final one.
  EXPECT_EQ(log_, (std::vector<std::string>{kFlushAll, kFlushAll}));
  // Each table was released while its entry still pointed at it (free before clear): the
  // dangling-table detector reports the v6.19 gap for both (DanglingTableTest has the detail).
  std::vector<Finding> fs = findings().snapshot();
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].detector, Detector::kDanglingTable);
  EXPECT_EQ(fs[1].detector, Detector::kDanglingTable);
}

TEST_P(HotplugTest, HotRemoveOfPartOfATableKeepsIt) {
  ASSERT_EQ(add_memory(kHotBase, 2 * k2M, /*use_4k=*/false), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  EXPECT_FALSE(walk(init_mm(), va).present);
  EXPECT_TRUE(walk(init_mm(), va + k2M).present);
  EXPECT_FALSE(is_free(pmd));   // free_pmd_table: an entry is still in use
  EXPECT_EQ(log_, std::vector<std::string>{kFlushAll});   // only remove_pagetable's flush
}

TEST_P(HotplugTest, HotRemoveTakesMemHotplugLockAndPageTableLock) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  pteval_t* pmd_slot = table_slot(table_at(init_mm(), va, kPmd), pt_index(va, kPmd));
  ptdesc* pte = table_at(init_mm(), va, kPte);
  LockRecorder rec;
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  const void* hotplug = &k().mem_hotplug_lock();
  const void* ptl = &init_mm()->page_table_lock;
  EXPECT_EQ(rec.acquires(hotplug), 1u);
  EXPECT_TRUE(rec.balanced(hotplug));
  EXPECT_EQ(rec.acquires(ptl), 514u);   // 512 pte_clear, pmd_clear, pud_clear: each locked
  EXPECT_TRUE(rec.balanced(ptl));
  // The PMD entry's clear is made under init_mm.page_table_lock and mem_hotplug_lock.
  long clear = rec.first(sync::EventKind::kWrite, pmd_slot);
  ASSERT_GE(clear, 0);
  EXPECT_TRUE(rec.held_at(ptl, clear));
  EXPECT_TRUE(rec.held_at(hotplug, clear));
  // free_pte_table frees the table FIRST and clears the PMD entry after (v6.19 order): the
  // free's provenance step precedes the clear's scheduling point.
  EXPECT_TRUE(is_free(pte));
  EXPECT_LE(pte->free_site.step, static_cast<uint64_t>(clear));
  EXPECT_EQ(rec.acquires(&k().pgd_lock()), 0u);
}

TEST_P(HotplugTest, BadRangesAreRejected) {
  EXPECT_EQ(add_memory(kHotBase + PAGE_SIZE, k2M, false), -kEINVAL);   // not 2 MiB aligned
  EXPECT_EQ(add_memory(0, k2M, false), -kEINVAL);                      // below 1 GiB
  EXPECT_EQ(add_memory(kHotplugPhysLimit, k2M, false), -kEINVAL);
  EXPECT_EQ(remove_memory(kHotBase, 0), -kEINVAL);
  EXPECT_FALSE(walk(init_mm(), k().layout().direct_map(kHotBase)).present);
}

TEST_P(HotplugTest, FreePagetableOfBootmemBypassesPagetableFree) {
  // A memblock table (PageReserved) goes to free_reserved_pages, never to pagetable_free.
  ptdesc* pt = pagetable_alloc(kPte, init_mm(), "memblock_alloc");
  ASSERT_NE(pt, nullptr);
  sync::set_bit(PT_reserved, &pt->flags);
  ptdesc_set_kernel(pt);   // even a (hypothetically) marked one: no deferral on this path
  free_pagetable(pt);
  EXPECT_TRUE(is_free(pt));
  EXPECT_STREQ(pt->free_site.what, "free_reserved_pages");
  EXPECT_TRUE(deferred_.empty());
}

TEST_P(HotplugTest, FreePagetableDispatchesOnTheMark) {
  ptdesc* marked_pt = __pte_alloc_one_kernel(init_mm());
  ptdesc* plain = pagetable_alloc(kPte, init_mm(), "alloc_low_pages");
  ASSERT_TRUE(marked_pt && plain);
  free_pagetable(marked_pt);
  free_pagetable(plain);
  ASSERT_EQ(deferred_.size(), 1u);
  EXPECT_EQ(deferred_[0], marked_pt);
  EXPECT_FALSE(marked(marked_pt));   // pagetable_free cleared PT_kernel before queueing
  EXPECT_FALSE(is_free(marked_pt));
  EXPECT_TRUE(is_free(plain));
  drain_deferred();
  EXPECT_TRUE(is_free(marked_pt));
}

INSTANTIATE_TEST_SUITE_P(mm, HotplugTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
