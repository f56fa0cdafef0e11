// The ptdump-style walker: what it notes, its v6.19 locking (get_online_mems, then
// mmap_write_lock(mm); mm/ptdump.c), and its frame check on a freed or reused table.
#include "core/mm/memory_hotplug.h"
#include "core/mm/ptdump.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "tests/mm/lock_recorder.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

constexpr uint64_t k2M = 1ULL << 21;
constexpr phys_addr_t kDev = 1ULL << 40;

struct Leaf {
  uint64_t va;
  int level;
  pteval_t e;
};

class PtdumpTest : public MmTest {
 protected:
  std::vector<Leaf> dump(mm_struct* mm, size_t* n = nullptr) {
    std::vector<Leaf> out;
    size_t got =
        ptdump_walk_pgd(mm, [&](uint64_t va, int l, pteval_t e) { out.push_back({va, l, e}); });
    if (n) *n = got;
    return out;
  }
  size_t boot_leaves() { return k().options().boot_ram_bytes / k2M; }
};

TEST_P(PtdumpTest, NotesEveryLeafInAddressOrder) {
  uint64_t va = vmalloc_model_start() + 3 * k2M;
  ASSERT_EQ(vmap_range_noflush(va, va + 2 * PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
  uint64_t hva = vmalloc_model_start() + 8 * k2M;
  ASSERT_EQ(vmap_range_noflush(hva, hva + k2M, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
  size_t n = 0;
  std::vector<Leaf> leaves = dump(init_mm(), &n);
  ASSERT_EQ(n, leaves.size());
  ASSERT_EQ(n, boot_leaves() + 3);
  for (size_t i = 0; i < boot_leaves(); ++i) {
    EXPECT_EQ(leaves[i].va, k().layout().direct_map(i * k2M));
    EXPECT_EQ(leaves[i].level, kPmd);
    EXPECT_EQ(entry_phys(leaves[i].e), i * k2M);
  }
  const Leaf* v = &leaves[boot_leaves()];
  EXPECT_EQ(v[0].va, va);
  EXPECT_EQ(v[0].level, kPte);
  EXPECT_EQ(v[1].va, va + PAGE_SIZE);
  EXPECT_EQ(entry_phys(v[1].e), kDev + PAGE_SIZE);
  EXPECT_EQ(v[2].va, hva);
  EXPECT_EQ(v[2].level, kPmd);
  EXPECT_TRUE(findings().empty());
}

TEST_P(PtdumpTest, UserMmShowsItsUserHalfAndTheSharedKernelHalf) {
  mm_struct* mm = k().mm_alloc("user");
  ASSERT_NE(mmap_user_page(mm, 0x400000, true), nullptr);
  std::vector<Leaf> leaves = dump(mm);
  ASSERT_EQ(leaves.size(), boot_leaves() + 1);
  EXPECT_EQ(leaves[0].va, 0x400000u);
  EXPECT_TRUE(leaves[0].e & _PAGE_USER);
  EXPECT_EQ(dump(init_mm()).size(), boot_leaves());
}

TEST_P(PtdumpTest, TakesHotplugLockThenMmapLockOfTheWalkedMm) {
  LockRecorder rec;
  dump(init_mm());
  const void* hotplug = &k().mem_hotplug_lock();
  const void* mmap = &init_mm()->mmap_lock;
  long h = rec.first(sync::EventKind::kMutexAcquire, hotplug);
  long m = rec.first(sync::EventKind::kRwsemAcquire, mmap);
  ASSERT_GE(h, 0);
  ASSERT_GE(m, 0);
  EXPECT_LT(h, m);   // get_online_mems(); mmap_write_lock(mm);
  EXPECT_TRUE(rec.balanced(hotplug));
  EXPECT_TRUE(rec.balanced(mmap));
  // Every entry read happens with both held.
  long read = rec.first(sync::EventKind::kRead);
  ASSERT_GE(read, 0);
  EXPECT_TRUE(rec.held_at(hotplug, read) && rec.held_at(mmap, read));
  EXPECT_EQ(rec.acquires(&k().pgd_lock()), 0u);
  EXPECT_EQ(rec.acquires(&init_mm()->page_table_lock), 0u);
  // The locks are free again: hot-add (mem_hotplug_begin) still works.
  EXPECT_EQ(add_memory(4ULL << 30, k2M, false), 0);
}

TEST_P(PtdumpTest, StaleEntryToAFreedTableIsAFrameCheckFinding) {
  // The free-then-clear window of free_pte_table, or a free racing with the walk: a PMD entry
  // still points at a PTE table that was freed.
  uint64_t va = vmalloc_model_start();
  ASSERT_EQ(vmap_range_noflush(va, va + PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
  ptdesc* pte = table_at(init_mm(), va, kPte);
  __pagetable_free(pte, "test: freed under the walker");
  size_t n = 0;
  std::vector<Leaf> leaves = dump(init_mm(), &n);
  EXPECT_EQ(n, boot_leaves());   // it did not descend into the freed table
  // The release itself is a dangling-table finding (the entry still points at the table);
  // the walk that follows the entry is the frame check's.
  std::vector<Finding> fs = findings().snapshot();
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].detector, Detector::kDanglingTable);
  Finding f = fs[1];
  EXPECT_EQ(f.detector, Detector::kFrameCheck);
  EXPECT_NE(f.message.find("ptdump_walk_pgd entered a FREED frame"), std::string::npos)
      << f.message;
  EXPECT_NE(f.message.find("test: freed under the walker"), std::string::npos) << f.message;
}

INSTANTIATE_TEST_SUITE_P(mm, PtdumpTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
