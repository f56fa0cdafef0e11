// Boot layout, swapper_pg_dir, preallocated vmalloc tables and mm_alloc's pgd_ctor.
#include "core/mm/vmalloc.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

using BootTest = MmTest;

TEST_P(BootTest, SwapperPgDirIsReservedAndUnmarked) {
  ptdesc* pgd = init_mm()->pgd;
  EXPECT_TRUE(reserved(pgd));
  EXPECT_FALSE(marked(pgd));
  EXPECT_EQ(pgd->level.load(), GetParam());
  EXPECT_EQ(pgd->mm.load(), init_mm());
}

TEST_P(BootTest, DirectMapCoversFramePoolWith2MiBPages) {
  const KernelLayout& l = k().layout();
  EXPECT_GE(k().options().boot_ram_bytes, k().frames().ram_end());
  for (phys_addr_t pa : {phys_addr_t{0x100000}, k().frames().ram_end() - PAGE_SIZE}) {
    WalkResult r = walk(init_mm(), l.direct_map(pa));
    ASSERT_TRUE(r.present) << std::hex << pa;
    EXPECT_EQ(r.level, kPmd);
    EXPECT_EQ(r.pa, pa);
    EXPECT_TRUE(r.writable);
    EXPECT_FALSE(r.user);
    EXPECT_TRUE(r.nx);
  }
  EXPECT_FALSE(walk(init_mm(), l.direct_map(k().options().boot_ram_bytes)).present);
  // memblock tables: reserved, never marked.
  ptdesc* pmd = table_at(init_mm(), l.direct_map(0), kPmd);
  ASSERT_NE(pmd, nullptr);
  EXPECT_TRUE(reserved(pmd));
  EXPECT_FALSE(marked(pmd));
  EXPECT_TRUE(findings().empty());
}

TEST_P(BootTest, VmallocSecondLevelIsPreallocatedAndMarked) {
  uint64_t va = vmalloc_model_start();
  int second = GetParam() - 1;
  ptdesc* t = table_at(init_mm(), va, second);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(marked(t));
  EXPECT_FALSE(reserved(t));
  EXPECT_EQ(t->level.load(), second);
  // x86 pgd_populate uses _PAGE_TABLE: U/S is set on the kernel's top-level entries.
  pteval_t top = read_entry(pgd_offset_k(va));
  EXPECT_EQ(top & ~PTE_PFN_MASK, _PAGE_TABLE);
}

TEST_P(BootTest, MmAllocClonesKernelHalf) {
  mm_struct* mm = k().mm_alloc("user");
  ASSERT_NE(mm, nullptr);
  EXPECT_FALSE(marked(mm->pgd));
  EXPECT_EQ(mm->pgd->mm.load(), mm);
  EXPECT_EQ(mm->pgd->level.load(), GetParam());
  unsigned b = k().layout().kernel_pgd_boundary;
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t mine = read_entry(table_slot(mm->pgd, i));
    pteval_t swapper = read_entry(table_slot(init_mm()->pgd, i));
    EXPECT_EQ(mine, i >= b ? swapper : 0) << i;
  }
  WalkResult r = walk(mm, k().layout().direct_map(0x200000));
  EXPECT_TRUE(r.present);
  EXPECT_FALSE(r.user);
  EXPECT_EQ(k().mms().size(), 1u);
  EXPECT_TRUE(findings().empty());
}

INSTANTIATE_TEST_SUITE_P(mm, BootTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
