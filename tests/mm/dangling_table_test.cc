// The dangling-table detector (core/mm/table_refs.h): releasing a page-table frame to the
// allocator while a present non-leaf entry of a table reachable from a root still points at it
// is a finding at the real release (FrameDb::free), not at the pagetable_free dispatch; the
// kernel's own clear-then-free orders are clean. Both paging depths. Teardown's report of a
// reachable entry into a freed frame is in dangling_teardown_test.cc.
#include "core/mm/cpa.h"
#include "core/mm/huge_vmap.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/mm_exit.h"
#include "core/mm/model_defects.h"
#include "core/mm/table_refs.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

constexpr phys_addr_t kDev = 8ULL << 30;
constexpr phys_addr_t kHotBase = 4ULL << 30;
constexpr uint64_t k2M = 1ULL << 21;
constexpr uint64_t kUva = 0x400000;

class DanglingTableTest : public MmTest {
 protected:
  // A 4 KiB vmap at `va`: its PTE table, linked from a PMD table under swapper_pg_dir.
  ptdesc* vmap_page(uint64_t va) {
    EXPECT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    return table_at(init_mm(), va, kPte);
  }
  size_t count(Detector d) const {
    size_t n = 0;
    for (const Finding& f : findings().snapshot()) n += f.detector == d;
    return n;
  }
  std::string all_findings() const {
    std::string s;
    for (const Finding& f : findings().snapshot()) s += format_finding(f) + "\n";
    return s;
  }
};

// The basic finding: a linked PTE table released at once. The message names the table, the
// referring entry (table, level, index, value) with its path from the root, and the call site.
TEST_P(DanglingTableTest, ReleasingALinkedTableIsAFinding) {
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  ptdesc* pte = vmap_page(va);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ASSERT_TRUE(pte && pmd);
  pteval_t entry = entry_at(init_mm(), va, kPmd);
  ASSERT_TRUE(findings().empty());
  __pagetable_free(pte, "test release");   // no pmd_clear first
  ASSERT_EQ(findings().snapshot().size(), 1u) << all_findings();
  Finding f = findings().first();
  EXPECT_EQ(f.detector, Detector::kDanglingTable);
  EXPECT_STREQ(detector_name(f.detector), "dangling-table");
  const std::string& m = f.message;
  EXPECT_NE(m.find("pfn " + ("0x" + hex(pte->pfn)) + " now page table level 1 of init_mm"),
            std::string::npos) << m;
  EXPECT_NE(m.find("released by test release at dangling_table_test.cc:"), std::string::npos)
      << m;
  EXPECT_NE(m.find("still reachable from init_mm's pgd: pmd entry " +
                   std::to_string(pt_index(va, kPmd)) + " = 0x" + hex(entry) +
                   " of table pfn 0x" + hex(pmd->pfn) + " points at it"),
            std::string::npos) << m;
  EXPECT_NE(m.find("(path pgd 0x" + hex(init_mm()->pgd->pfn) + "["), std::string::npos) << m;
  EXPECT_NE(m.find("-> pmd 0x" + hex(pmd->pfn) + "[" + std::to_string(pt_index(va, kPmd)) + "])"),
            std::string::npos) << m;
  EXPECT_NE(m.find("the referring table: pfn 0x" + hex(pmd->pfn) + " now page table level 2"),
            std::string::npos) << m;
  EXPECT_NE(std::string(f.loc.file).find("dangling_table_test.cc"), std::string::npos);
}

// The deferred free: the dispatch only queues the table, so a free call before pmd_clear is
// not itself a finding; the worker's real release while the entry is still present is.
TEST_P(DanglingTableTest, TheRealReleaseNotTheDispatchIsChecked) {
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  ptdesc* pte = vmap_page(va);
  pteval_t* pmd_slot = table_slot(table_at(init_mm(), va, kPmd), pt_index(va, kPmd));
  pagetable_dtor_free(pte);   // marked: queued by the hook
  ASSERT_EQ(deferred_.size(), 1u);
  EXPECT_TRUE(findings().empty()) << all_findings();
  drain_deferred();           // the worker runs before the clear
  ASSERT_EQ(count(Detector::kDanglingTable), 1u) << all_findings();
  EXPECT_NE(findings().first().message.find("released by test drain"), std::string::npos);
  clear_entry(pmd_slot);
  // The same order with the worker after the clear is clean.
  findings().clear();
  ptdesc* pte2 = vmap_page(va + PMD_SIZE);
  pteval_t* slot2 = table_slot(table_at(init_mm(), va + PMD_SIZE, kPmd),
                               pt_index(va + PMD_SIZE, kPmd));
  pagetable_dtor_free(pte2);
  clear_entry(slot2);
  drain_deferred();
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// pmd_free_pte_page (huge PMD promotion): pmd_clear, flush, free. Deferred and at once.
TEST_P(DanglingTableTest, HugePmdPromotionIsClean) {
  for (bool async : {true, false}) {
    uint64_t va = vmalloc_model_start() + (async ? 1 : 2) * PMD_SIZE;
    ptdesc* pte = vmap_page(va);
    vunmap_range(va, va + PAGE_SIZE);
    if (!async) k().hooks().pagetable_free_kernel = nullptr;   // free at once
    ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
    drain_deferred();
    EXPECT_TRUE(is_free(pte));
  }
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// pud_free_pmd_page (huge PUD promotion): the PMD entries are copied to a scratch data page
// (entries in a data frame are not table entries) and cleared, pud_clear, then each PTE table
// and the PMD table are freed.
TEST_P(DanglingTableTest, HugePudPromotionIsClean) {
  uint64_t va = vmalloc_model_start() + PUD_SIZE;
  ptdesc* pte0 = vmap_page(va);
  ptdesc* pte5 = vmap_page(va + 5 * PMD_SIZE);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  vunmap_range(va, va + PUD_SIZE);
  ASSERT_EQ(ioremap_page_range(va, va + PUD_SIZE, kDev, __PAGE_KERNEL), 0);
  drain_deferred();
  EXPECT_TRUE(is_free(pte0) && is_free(pte5) && is_free(pmd));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// The children of an unlinked parent are not reachable: pud_clear alone, then the PTE table
// (its PMD entry still present in the unlinked PMD table) and the PMD table are released.
TEST_P(DanglingTableTest, ChildOfAnUnlinkedTableIsNotReachable) {
  uint64_t va = vmalloc_model_start() + PUD_SIZE;
  ptdesc* pte = vmap_page(va);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  pteval_t* pud_slot = table_slot(table_at(init_mm(), va, kPud), pt_index(va, kPud));
  ASSERT_EQ(k().frames().refs().referrers(pte).size(), 1u);
  clear_entry(pud_slot);
  __pagetable_free(pte, "child of an unlinked table");
  __pagetable_free(pmd, "the unlinked table");
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// A cycle (a table whose entry points back at an ancestor, as a sprayed frame points at
// itself) does not hang the upward walk, and an unlinked cycle is not reachable.
TEST_P(DanglingTableTest, CyclesAreWalkedOnce) {
  uint64_t va = vmalloc_model_start() + PUD_SIZE;
  ptdesc* pte = vmap_page(va);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  pteval_t* pud_slot = table_slot(table_at(init_mm(), va, kPud), pt_index(va, kPud));
  pteval_t* loop = table_slot(pmd, 7);
  write_entry(loop, mk_table_entry(pmd, _KERNPG_TABLE));   // the PMD table points at itself
  clear_entry(pud_slot);
  __pagetable_free(pte, "in an unlinked cycle");
  EXPECT_TRUE(findings().empty()) << all_findings();
  clear_entry(loop);
  __pagetable_free(pmd, "the unlinked table");
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// Every user pgd shares the kernel half: the vmalloc window's second-level table has one
// referrer per pgd, and the release check finds a root through any of them.
TEST_P(DanglingTableTest, KernelTablesHaveOneReferrerPerPgd) {
  uint64_t va = vmalloc_model_start();
  ptdesc* second = table_at(init_mm(), va, k().levels() - 1);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(k().frames().refs().referrers(second).size(), 1u);
  mm_struct* a = k().mm_alloc("a");
  mm_struct* b = k().mm_alloc("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(k().frames().refs().referrers(second).size(), 3u);
  EXPECT_TRUE(k().frames().refs().is_root(a->pgd));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// CPA split (a table replaces a 2 MiB leaf) and collapse (set_pmd(large), flush, free).
TEST_P(DanglingTableTest, CpaSplitAndCollapseAreClean) {
  uint64_t page = k().layout().direct_map(k2M) + 5 * PAGE_SIZE;
  ASSERT_EQ(change_page_attr_set_clr(page, 1, 0, _PAGE_RW, false, false), 0);
  ptdesc* split = table_at(init_mm(), page, kPte);
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(k().frames().refs().referrers(split).size(), 1u);
  ASSERT_EQ(change_page_attr_set_clr(page, 1, _PAGE_RW, 0, false, true), 0);
  EXPECT_TRUE(is_free(split));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// User munmap with free_pgtables: PTE clear, pmd_clear, flush, then pte_free.
TEST_P(DanglingTableTest, UserMunmapWithFreePgtablesIsClean) {
  mm_struct* mm = k().mm_alloc("user");
  ASSERT_NE(mmap_user_page(mm, kUva, true), nullptr);
  ptdesc* pte = table_at(mm, kUva, kPte);
  ASSERT_NE(pte, nullptr);
  ASSERT_EQ(munmap_user_page(mm, kUva, /*free_empty_table=*/true), 0);
  EXPECT_TRUE(is_free(pte));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// A user table released while linked is reported with the user mm's pgd as the root.
TEST_P(DanglingTableTest, LinkedUserTableNamesItsMm) {
  mm_struct* mm = k().mm_alloc("proc");
  ASSERT_NE(mmap_user_page(mm, kUva, true), nullptr);
  ptdesc* pte = table_at(mm, kUva, kPte);
  pte_free(mm, pte);   // unmarked: at once, with the PMD entry still present
  ASSERT_EQ(count(Detector::kDanglingTable), 1u) << all_findings();
  EXPECT_NE(findings().first().message.find("still reachable from proc's pgd: pmd entry"),
            std::string::npos) << findings().first().message;
}

// Process exit (mm_exit.h): exit_mmap clears then frees the user tables, __mmdrop takes the mm
// off pgd_list (Kernel::mm_unlist: its pgd stops being a root) and then frees the pgd.
TEST_P(DanglingTableTest, ProcessExitIsClean) {
  mm_struct* mm = k().mm_alloc("exiting");
  ASSERT_NE(mmap_user_page(mm, kUva, true), nullptr);
  ASSERT_NE(mmap_user_page(mm, kUva + PUD_SIZE, true), nullptr);
  ptdesc* pgd = mm->pgd;
  exit_mmap(mm);
  mmdrop(mm);
  EXPECT_TRUE(is_free(pgd));
  EXPECT_FALSE(k().frames().refs().is_root(pgd));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// A live mm's pgd is a root: releasing it before pgd_list_del is a finding.
TEST_P(DanglingTableTest, ReleasingALiveMmsPgdIsAFinding) {
  mm_struct* mm = k().mm_alloc("live");
  __pagetable_free(mm->pgd, "early pgd_free");
  ASSERT_EQ(count(Detector::kDanglingTable), 1u) << all_findings();
  EXPECT_NE(findings().first().message.find("still a page-table root, the pgd of live"),
            std::string::npos) << findings().first().message;
  mm->pgd = nullptr;   // the mm stays on pgd_list; nothing walks it again
}

// Hot-remove frees an emptied unmarked table before it clears the entry (v6.19; the documented
// gap of docs/findings/hot-remove-frees-unmarked-tables.md): a true finding for each table,
// unless the harness turns the report of this gap off.
TEST_P(DanglingTableTest, HotRemoveOfUnmarkedTablesIsTheDocumentedGap) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  std::vector<Finding> fs = findings().snapshot();
  ASSERT_EQ(fs.size(), 2u) << all_findings();   // the PTE table, then the PMD table
  for (const Finding& f : fs) {
    EXPECT_EQ(f.detector, Detector::kDanglingTable);
    EXPECT_NE(std::string(f.loc.file).find("memory_hotplug.cc"), std::string::npos);
  }
  EXPECT_NE(fs[0].message.find("pfn 0x" + hex(pte->pfn) + " now page table level 1"),
            std::string::npos) << fs[0].message;
  EXPECT_NE(fs[0].message.find("pmd entry " + std::to_string(pt_index(va, kPmd))),
            std::string::npos) << fs[0].message;
  EXPECT_NE(fs[1].message.find("pud entry " + std::to_string(pt_index(va, kPud))),
            std::string::npos) << fs[1].message;
}

class DanglingTableNoGapTest : public DanglingTableTest {
 protected:
  KernelOptions options() override {
    KernelOptions o = DanglingTableTest::options();
    o.report_hot_remove_gap = false;
    return o;
  }
};

TEST_P(DanglingTableNoGapTest, HotRemoveGapReportCanBeTurnedOff) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  EXPECT_TRUE(findings().empty()) << all_findings();
  // Every other release is still checked.
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  __pagetable_free(vmap_page(va), "test release");
  EXPECT_EQ(count(Detector::kDanglingTable), 1u) << all_findings();
}

// Hot-add/hot-remove with the deferred free of marked tables (a kernel that marked
// alloc_low_pages tables): free_pagetable only queues them, the entry is cleared, and the
// worker's release comes after: clean.
TEST_P(DanglingTableTest, HotRemoveOfMarkedTablesWithDeferredFreeIsClean) {
  ASSERT_EQ(add_memory(kHotBase, k2M, /*use_4k=*/true), 0);
  uint64_t va = k().layout().direct_map(kHotBase);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  ptdesc_set_kernel(pte);
  ptdesc_set_kernel(pmd);
  ASSERT_EQ(remove_memory(kHotBase, k2M), 0);
  EXPECT_EQ(deferred_.size(), 2u);
  drain_deferred();
  EXPECT_TRUE(is_free(pte) && is_free(pmd));
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// The A/D bits an IOMMU walk sets (a compare-and-swap on the slot, not seen by the map) do not
// change what the map records: the address, P and PS stay.
TEST_P(DanglingTableTest, AccessedDirtyUpdatesDoNotDisturbTheMap) {
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  ptdesc* pte = vmap_page(va);
  pteval_t* pmd_slot = table_slot(table_at(init_mm(), va, kPmd), pt_index(va, kPmd));
  __atomic_fetch_or(pmd_slot, _PAGE_ACCESSED | _PAGE_DIRTY, __ATOMIC_SEQ_CST);
  EXPECT_EQ(k().frames().refs().referrers(pte).size(), 1u);
  clear_entry(pmd_slot);
  EXPECT_EQ(k().frames().refs().referrers(pte).size(), 0u);
  __pagetable_free(pte, "after the clear");
  EXPECT_TRUE(findings().empty()) << all_findings();
}

// An entry written behind the map's back (a plain store into a table frame) is not recorded:
// releasing its target is not flagged (no false positive from a stale record either way).
TEST_P(DanglingTableTest, UntrackedEntriesAreIgnored) {
  uint64_t va = vmalloc_model_start() + 3 * PMD_SIZE;
  ptdesc* pte = vmap_page(va);
  ptdesc* pmd = table_at(init_mm(), va, kPmd);
  pteval_t* pmd_slot = table_slot(pmd, pt_index(va, kPmd));
  *pmd_slot = 0;   // cleared without clear_entry: the map still records the old entry
  __pagetable_free(pte, "after an untracked clear");
  EXPECT_TRUE(findings().empty()) << all_findings();   // the stale record fails verification
}

// The planted defect free-before-clear (model_defects.h): pmd_free_pte_page queues the PTE
// table before pmd_clear. With a worker that runs inside that window, the release is flagged.
TEST_P(DanglingTableTest, PlantedFreeBeforeClearIsFoundWhenTheWorkerRunsInTheWindow) {
  uint64_t va = vmalloc_model_start() + PMD_SIZE;
  vmap_page(va);
  vunmap_range(va, va + PAGE_SIZE);
  k().hooks().pagetable_free_kernel = [](ptdesc* pt) {   // the worker runs at once
    __pagetable_free(pt, "kernel_pgtable_work_func");
  };
  model_defects().free_before_clear = true;
  ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
  model_defects().free_before_clear = false;
  ASSERT_EQ(count(Detector::kDanglingTable), 1u) << all_findings();
  EXPECT_NE(findings().first().message.find("released by kernel_pgtable_work_func"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(mm, DanglingTableTest, ::testing::Values(4, 5), LevelName);
INSTANTIATE_TEST_SUITE_P(mm, DanglingTableNoGapTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
