// Freed frames: a read through a stale reference is an AddressSanitizer report (death test,
// asan builds), and a walk into a frame that was freed and reallocated, as data or as another
// mm's table, is a frame-check finding even though ASan cannot see it (frame_check.h).
#include "core/mm/huge_vmap.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "tests/mm/mm_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define SVAFUZZ_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVAFUZZ_TEST_ASAN 1
#endif
#endif

namespace svafuzz::mm::testing {
namespace {

constexpr phys_addr_t kDev = 1ULL << 40;

class FrameTest : public MmTest {
 protected:
  // Maps one 4 KiB page in the vmalloc window and returns its PTE table and the PMD slot.
  ptdesc* map_one(uint64_t va, pteval_t** pmd_slot) {
    EXPECT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    ptdesc* pmd = table_at(init_mm(), va, kPmd);
    *pmd_slot = table_slot(pmd, pt_index(va, kPmd));
    return table_at(init_mm(), va, kPte);
  }
  KernelOptions options() override {
    KernelOptions o = MmTest::options();
    o.frames.quarantine = quarantine_;
    return o;
  }
  // A fresh kernel whose freed frames are reusable at once (no quarantine, LIFO), so that
  // after exhaust_pool_leaving() the next allocation gets exactly the last frame freed.
  void reboot_without_quarantine() {
    quarantine_ = 0;
    TearDown();
    SetUp();
  }
  size_t quarantine_ = 16;

  void exhaust_pool_leaving(size_t spare) {
    while (ptdesc* p = __get_free_page("hog")) hog_.push_back(p);
    ASSERT_GE(hog_.size(), spare);
    for (size_t i = 0; i < spare; ++i) {
      free_page(hog_.back(), "hog");
      hog_.pop_back();
    }
  }
  void release_pool() {
    for (ptdesc* p : hog_) free_page(p, "hog");
    hog_.clear();
  }
  std::vector<ptdesc*> hog_;

  Finding only_finding() {
    std::vector<Finding> f = findings().snapshot();
    EXPECT_EQ(f.size(), 1u);
    return f.empty() ? Finding{} : f[0];
  }
};

// A stale reference: the PTE table a huge promotion freed, read after the free.
TEST_P(FrameTest, StaleReadOfFreedFrameIsAnAsanReport) {
#ifndef SVAFUZZ_TEST_ASAN
  GTEST_SKIP() << "needs AddressSanitizer (asan/fuzz presets): without it a read of a freed, "
                  "unpoisoned frame is not detectable";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  k().hooks().pagetable_free_kernel = nullptr;   // free at once, as without the deferral
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  const pteval_t* stale = table_slot(pte, pt_index(va, kPte));   // e.g. a cached pointer
  vunmap_range(va, va + PAGE_SIZE);
  ASSERT_EQ(vmap_range_noflush(va, va + PMD_SIZE, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
  ASSERT_TRUE(is_free(pte));
  EXPECT_DEATH((void)read_entry(stale), "AddressSanitizer: use-after-poison");
#endif
}

// The same read while the frame is still live is fine (the death test is not vacuous).
TEST_P(FrameTest, ReadOfLiveFrameIsFine) {
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  EXPECT_EQ(entry_phys(read_entry(table_slot(pte, pt_index(va, kPte)))), kDev);
}

TEST_P(FrameTest, WalkIntoFrameReusedAsDataIsAFrameCheckFinding) {
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  const pteval_t stale_pmd = read_entry(pmd_slot);
  pmd_free_pte_page(pmd_slot, va);   // pmd_clear, flush, pagetable_dtor_free (deferred)
  drain_deferred();                  // ... and the worker freed it
  ptdesc* spray = k().frames().alloc_hot(FrameUse::kData, "attacker spray");
  ASSERT_EQ(spray, pte);             // the page allocator's hot page: the same frame
  ASSERT_FALSE(frame_check_table(entry_phys(stale_pmd), kPte, init_mm(), "probe"));
  findings().clear();
  // A walker that still holds the old PMD entry (a paging-structure cache, or the window of
  // free_pte_table's free-then-clear) walks into it. Unpoisoned: ASan sees nothing.
  write_entry(pmd_slot, stale_pmd);
  WalkResult r = walk(init_mm(), va, "stale walker");
  EXPECT_TRUE(r.failed);
  EXPECT_FALSE(r.present);
  Finding f = only_finding();
  EXPECT_EQ(f.detector, Detector::kFrameCheck);
  EXPECT_NE(f.message.find("stale walker entered a REUSED frame"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("now data"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("attacker spray"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("test drain"), std::string::npos) << f.message;   // who freed it
  clear_entry(pmd_slot);
}

TEST_P(FrameTest, WalkIntoFrameReusedAsAnotherMmsTableIsAFrameCheckFinding) {
  reboot_without_quarantine();
  mm_struct* user = k().mm_alloc("victim-user");
  ASSERT_NE(user, nullptr);
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  const pteval_t stale_pmd = read_entry(pmd_slot);
  // mmap_user_page needs (levels - 1) tables and a data page; the PTE table, freed last
  // (CONFIG_ASYNC_KERNEL_PGTABLE_FREE off: at once), is the first frame handed out again.
  exhaust_pool_leaving(GetParam() - 1);
  k().hooks().pagetable_free_kernel = nullptr;
  pmd_free_pte_page(pmd_slot, va);
  ASSERT_TRUE(is_free(pte));
  EXPECT_STREQ(pte->free_site.what, "pagetable_free_kernel");   // marked, async off
  ASSERT_NE(mmap_user_page(user, 0x400000, true), nullptr);
  ASSERT_EQ(pte->use.load(), FrameUse::kPageTable);
  ASSERT_EQ(pte->mm.load(), user);   // now the user mm's table just below its pgd
  ASSERT_EQ(pte->level.load(), GetParam() - 1);
  write_entry(pmd_slot, stale_pmd);   // the walker's stale view of the PMD entry
  WalkResult r = walk(init_mm(), va, "stale walker");
  EXPECT_TRUE(r.failed);
  Finding f = only_finding();
  EXPECT_EQ(f.detector, Detector::kFrameCheck);
  EXPECT_NE(f.message.find("entered a REUSED frame (expected a level-1 table of init_mm)"),
            std::string::npos) << f.message;
  EXPECT_NE(f.message.find("of victim-user"), std::string::npos) << f.message;
  clear_entry(pmd_slot);
  release_pool();
}

TEST_P(FrameTest, ReuseAsTableOfSameLevelAndOwnerIsCaughtByGeneration) {
  reboot_without_quarantine();
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  const uint64_t gen = pte->generation.load();
  const phys_addr_t pa = pte->phys();
  EXPECT_TRUE(frame_check_table_gen(pa, kPte, init_mm(), gen, "cache"));
  exhaust_pool_leaving(0);
  pmd_free_pte_page(pmd_slot, va);
  drain_deferred();
  // Reallocated as an init_mm PTE table again (a vmap 2 MiB further on): type, level and
  // owner all match; only the generation tells a cached pointer it is not its table.
  pteval_t* other_pmd = nullptr;
  ASSERT_EQ(map_one(va + PMD_SIZE, &other_pmd), pte);
  EXPECT_TRUE(frame_check_table(pa, kPte, init_mm(), "no generation"));
  EXPECT_TRUE(findings().empty());
  EXPECT_FALSE(frame_check_table_gen(pa, kPte, init_mm(), gen, "cache"));
  Finding f = only_finding();
  EXPECT_EQ(f.detector, Detector::kFrameCheck);
  EXPECT_NE(f.message.find("REUSED as a table since the pointer was cached"), std::string::npos);
  release_pool();
}

TEST_P(FrameTest, LiveTablesPassTheCheck) {
  uint64_t va = vmalloc_model_start();
  pteval_t* pmd_slot = nullptr;
  ptdesc* pte = map_one(va, &pmd_slot);
  EXPECT_TRUE(frame_check_table(pte->phys(), kPte, init_mm(), "probe"));
  EXPECT_FALSE(frame_check_table(pte->phys(), kPmd, init_mm(), "wrong level"));
  EXPECT_FALSE(frame_check_table(kDev, kPte, init_mm(), "not a frame"));
  EXPECT_EQ(findings().snapshot().size(), 2u);
}

TEST_P(FrameTest, DoubleFreeIsAFinding) {
  ptdesc* p = __get_free_page("once");
  free_page(p, "first");
  free_page(p, "second");
  Finding f = only_finding();
  EXPECT_EQ(f.detector, Detector::kDoubleFree);
  EXPECT_NE(f.message.find("first freed by first"), std::string::npos) << f.message;
}

INSTANTIATE_TEST_SUITE_P(mm, FrameTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
