// User mmap/munmap on user mms, pgd_ctor's sharing of the kernel half, and the CPU TLB flush
// events (flush_tlb_kernel_range, flush_tlb_all, flush_tlb_mm_range with the secondary-TLB
// notifier), at both paging depths.
#include "core/mm/pgtable_alloc.h"
#include "core/mm/tlb.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "tests/mm/lock_recorder.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

constexpr uint64_t kUva = 0x400000;

class UserMmTest : public MmTest {
 protected:
  void SetUp() override {
    MmTest::SetUp();
    k().hooks().invalidate_secondary_tlbs = [this](mm_struct* mm, uint64_t s, uint64_t e) {
      // What the SVA notifier sees: the data page and the PTE table must still be allocated.
      log_.push_back("secondary " + mm->name + " " + hex(s) + "-" + hex(e) +
                     (data_ && is_free(data_) ? " data-freed" : "") +
                     (table_ && is_free(table_) ? " table-freed" : ""));
    };
    mm_ = k().mm_alloc("user");
    ASSERT_NE(mm_, nullptr);
  }
  mm_struct* mm_ = nullptr;
  ptdesc* data_ = nullptr;
  ptdesc* table_ = nullptr;
};

TEST_P(UserMmTest, MmapBuildsUnmarkedUserTables) {
  data_ = mmap_user_page(mm_, kUva, /*writable=*/true);
  ASSERT_NE(data_, nullptr);
  EXPECT_EQ(data_->use.load(), FrameUse::kData);
  WalkResult r = walk(mm_, kUva + 0x10);
  ASSERT_TRUE(r.present);
  EXPECT_EQ(r.level, kPte);
  EXPECT_EQ(r.pa, data_->phys() + 0x10);
  EXPECT_TRUE(r.user && r.writable && r.nx);
  for (int level = GetParam() - 1; level >= kPte; --level) {
    ptdesc* t = table_at(mm_, kUva, level);
    ASSERT_NE(t, nullptr) << level;
    EXPECT_FALSE(marked(t)) << level;   // mm != &init_mm: never PT_kernel
    EXPECT_EQ(t->mm.load(), mm_) << level;
    EXPECT_EQ(t->level.load(), level);
    EXPECT_EQ(entry_at(mm_, kUva, level + 1) & ~PTE_PFN_MASK, _PAGE_TABLE) << level;
  }
  // Isolation: neither init_mm nor another mm sees the user page.
  mm_struct* other = k().mm_alloc("other");
  EXPECT_FALSE(walk(other, kUva).present);
  EXPECT_FALSE(walk(init_mm(), kUva).present);
  EXPECT_EQ(mmap_user_page(mm_, kUva, true), nullptr);   // already mapped
  EXPECT_EQ(mmap_user_page(init_mm(), kUva, true), nullptr);
  EXPECT_EQ(mmap_user_page(mm_, kUva + 1, true), nullptr);
  data_ = mmap_user_page(mm_, kUva + PAGE_SIZE, /*writable=*/false);
  ASSERT_NE(data_, nullptr);
  EXPECT_FALSE(walk(mm_, kUva + PAGE_SIZE).writable);
}

TEST_P(UserMmTest, MunmapFlushesSecondaryTlbsBeforeFreeing) {
  data_ = mmap_user_page(mm_, kUva, true);
  ASSERT_NE(data_, nullptr);
  table_ = table_at(mm_, kUva, kPte);
  ASSERT_EQ(munmap_user_page(mm_, kUva, /*free_empty_table=*/true), 0);
  // flush_tlb_mm_range -> mmu_notifier_arch_invalidate_secondary_tlbs, then the frees.
  EXPECT_EQ(log_, std::vector<std::string>{"secondary user " + hex(kUva) + "-" +
                                           hex(kUva + PAGE_SIZE)});
  EXPECT_FALSE(walk(mm_, kUva).present);
  EXPECT_TRUE(is_free(data_));
  EXPECT_TRUE(is_free(table_));
  EXPECT_STREQ(table_->free_site.what, "pagetable_free");   // unmarked: immediate
  EXPECT_TRUE(deferred_.empty());
  EXPECT_EQ(entry_at(mm_, kUva, kPmd), 0u);   // free_pte_range's pmd_clear
  EXPECT_EQ(munmap_user_page(mm_, kUva, true), -kEINVAL);
  EXPECT_TRUE(findings().empty());
}

TEST_P(UserMmTest, MunmapKeepsTableUnlessAskedOrStillUsed) {
  ASSERT_NE(mmap_user_page(mm_, kUva, true), nullptr);
  ASSERT_NE(mmap_user_page(mm_, kUva + PAGE_SIZE, true), nullptr);
  table_ = table_at(mm_, kUva, kPte);
  ASSERT_EQ(munmap_user_page(mm_, kUva, /*free_empty_table=*/true), 0);
  EXPECT_FALSE(is_free(table_));   // still maps kUva + PAGE_SIZE
  ASSERT_EQ(munmap_user_page(mm_, kUva + PAGE_SIZE, /*free_empty_table=*/false), 0);
  EXPECT_FALSE(is_free(table_));
  EXPECT_NE(entry_at(mm_, kUva, kPmd), 0u);
}

TEST_P(UserMmTest, MmapAndMunmapTakeMmapLockAndPageTableLock) {
  LockRecorder rec;
  ASSERT_NE(mmap_user_page(mm_, kUva, true), nullptr);
  ASSERT_EQ(munmap_user_page(mm_, kUva, true), 0);
  EXPECT_EQ(rec.acquires(&mm_->mmap_lock), 2u);
  EXPECT_TRUE(rec.balanced(&mm_->mmap_lock));
  EXPECT_GE(rec.acquires(&mm_->page_table_lock), 2u);
  EXPECT_TRUE(rec.balanced(&mm_->page_table_lock));
  EXPECT_EQ(rec.acquires(&init_mm()->page_table_lock), 0u);
  EXPECT_GE(rec.first(sync::EventKind::kTlbFlush, mm_), 0);
}

TEST_P(UserMmTest, PgdCtorSharesKernelTablesWithEveryMm) {
  // A kernel mapping made after mm_alloc is visible through the user mm: the kernel half's
  // lower tables are the very same frames (clone_pgd_range copies top-level entries only).
  uint64_t va = vmalloc_model_start() + 7 * PAGE_SIZE;
  ASSERT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, 1ULL << 40, __PAGE_KERNEL, PAGE_SHIFT), 0);
  WalkResult r = walk(mm_, va);
  ASSERT_TRUE(r.present);
  EXPECT_EQ(r.pa, 1ULL << 40);
  EXPECT_FALSE(r.user);   // the leaf lacks U/S, so a user request would fault
  for (int level = GetParam() - 1; level >= kPte; --level) {
    EXPECT_EQ(table_at(mm_, va, level), table_at(init_mm(), va, level)) << level;
  }
  EXPECT_NE(mm_->pgd, init_mm()->pgd);
  unsigned b = k().layout().kernel_pgd_boundary;
  EXPECT_EQ(b, pt_index(k().layout().page_offset, GetParam()));   // pgd_index(PAGE_OFFSET)
  EXPECT_EQ(read_entry(table_slot(mm_->pgd, b - 1)), 0u);
  EXPECT_EQ(read_entry(table_slot(mm_->pgd, b)), read_entry(table_slot(init_mm()->pgd, b)));
}

TEST_P(UserMmTest, MmAllocTakesPgdLock) {
  LockRecorder rec;
  ASSERT_NE(k().mm_alloc("second"), nullptr);
  EXPECT_EQ(rec.acquires(&k().pgd_lock()), 1u);
  EXPECT_TRUE(rec.balanced(&k().pgd_lock()));
}

TEST_P(UserMmTest, TlbFlushEvents) {
  LockRecorder rec;
  flush_tlb_kernel_range(0x1000, 0x3000);
  flush_tlb_all();
  flush_tlb_mm_range(mm_, kUva, kUva + PAGE_SIZE);
  EXPECT_EQ(log_, (std::vector<std::string>{"flush 1000-3000", "flush 0-ffffffffffffffff",
                                            "secondary user 400000-401000"}));
  // Each is one kTlbFlush scheduling point and takes no lock.
  size_t flushes = 0;
  for (const auto& e : rec.events()) {
    flushes += e.kind == sync::EventKind::kTlbFlush;
    EXPECT_NE(e.kind, sync::EventKind::kSpinAcquire);
    EXPECT_NE(e.kind, sync::EventKind::kMutexAcquire);
  }
  EXPECT_EQ(flushes, 3u);
  EXPECT_EQ(rec.events().size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(mm, UserMmTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
