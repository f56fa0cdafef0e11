// Binding, walking and descriptor encoding. Each test names the statement it checks.
#include "tests/iommu/iommu_fixture.h"

namespace svafuzz::iommu::testing {
namespace {

// iommu-sva.c (docs/kernel-sources.md item 8): an mm joins iommu_sva_mms at its first bind, a
// second bind of the same (dev, mm) reuses the handle, the last unbind removes the mm, and
// iommu_sva_present follows list emptiness.
TEST_P(IommuTest, BindUnbindListMembership) {
  EXPECT_FALSE(sys_->iommu_sva_present);
  iommu_sva* h1 = iommu_sva_bind_device(dev_, mm_);
  ASSERT_NE(h1, nullptr);
  EXPECT_TRUE(sys_->iommu_sva_present);
  iommu_mm_data* d = mm_->iommu_mm.load();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->mm, mm_);
  EXPECT_EQ(sys_->iommu_sva_mms.next, &d->mm_list_elm);
  EXPECT_EQ(iommu_sva_bind_device(dev_, mm_), h1);   // same handle, users++
  iommu_sva* h2 = iommu_sva_bind_device(ats_, mm_);  // second device: same domain
  EXPECT_EQ(h2->domain, h1->domain);
  EXPECT_EQ(sys_->iommu_sva_mms.next->next, &sys_->iommu_sva_mms);   // listed once
  mm_struct* other = k_->mm_alloc("other");
  iommu_sva* h3 = iommu_sva_bind_device(dev_, other);
  EXPECT_NE(pasid(other), pasid(mm_));
  iommu_sva_unbind_device(h1);
  iommu_sva_unbind_device(h1);   // the handle's second reference
  EXPECT_TRUE(sys_->iommu_sva_present);
  iommu_sva_unbind_device(h2);   // mm_'s last domain goes: mm_ leaves the list
  EXPECT_EQ(sys_->iommu_sva_mms.next, &other->iommu_mm.load()->mm_list_elm);
  EXPECT_TRUE(sys_->iommu_sva_present);
  iommu_sva_unbind_device(h3);
  EXPECT_FALSE(sys_->iommu_sva_present);
  EXPECT_TRUE(list_empty(&sys_->iommu_sva_mms));
  EXPECT_FALSE(dev_->pasid_entry(pasid(mm_)).has_value());
  EXPECT_TRUE(findings().empty());
}

// Scalable-mode PASID entry for SVA: PGTT first-stage, FLPTPTR = pgd, FLPM, SRE off.
TEST_P(IommuTest, PasidEntryIsFirstStageWithoutSre) {
  iommu_sva_bind_device(dev_, mm_);
  std::optional<PasidEntry> pe = dev_->pasid_entry(pasid(mm_));
  ASSERT_TRUE(pe.has_value());
  EXPECT_EQ(pe->pgtt, Pgtt::kFirstStage);
  EXPECT_EQ(pe->flptptr, mm_->pgd->phys());
  EXPECT_EQ(flpm_levels(pe->flpm), GetParam());
  EXPECT_FALSE(pe->sre);
}

// BRIEF §1/§5, SDM §4.10.3.1: a user request (SRE off) to a kernel address walks to the leaf,
// caching the intermediate entries, then faults on U/S; the fault is not put in the IOTLB.
TEST_P(IommuTest, UserSupervisorFaultAfterCachingIntermediates) {
  iommu_sva_bind_device(dev_, mm_);
  vmap_page(0);
  DmaResult r = dev_->dma_read(pasid(mm_), kva(0));
  EXPECT_EQ(r.tr.fault, Fault::kUserSupervisor);
  for (int level = kPmd; level <= GetParam(); ++level) {
    EXPECT_TRUE(psc_has(level, kva(0))) << "level " << level;
  }
  EXPECT_EQ(unit_->iotlb_size(), 0u);
  EXPECT_TRUE(findings().empty());
}

// A user page translates, sets D on a write, and is cached in the IOTLB.
TEST_P(IommuTest, UserDmaTranslatesAndSetsDirty) {
  iommu_sva_bind_device(dev_, mm_);
  ptdesc* data = mmap_user_page(mm_, user_va(), true);
  ASSERT_NE(data, nullptr);
  DmaResult w = dev_->dma_write(pasid(mm_), user_va() + 8, 0x1234);
  ASSERT_TRUE(w.ok()) << fault_name(w.tr.fault);
  EXPECT_EQ(w.tr.pa, data->phys() + 8);
  EXPECT_EQ(data->entries()[1], 0x1234u);
  EXPECT_TRUE(read_entry(slot_at(mm_, user_va(), kPte)) & _PAGE_DIRTY);
  DmaResult r = dev_->dma_read(pasid(mm_), user_va() + 8);
  EXPECT_TRUE(r.tr.iotlb_hit);
  EXPECT_EQ(r.value, 0x1234u);
}

// cache_policy.h: which entries are cached is the policy's choice; speculative walks fill.
TEST_P(IommuTest, CachePolicySteersFills) {
  iommu_sva_bind_device(dev_, mm_);
  ASSERT_NE(mmap_user_page(mm_, user_va(), true), nullptr);
  CachePolicyFn only_pde([](const CacheFill& f) {
    return f.kind == CacheKind::kPsc && f.level == kPmd;
  });
  sys_->set_policy(&only_pde);
  Translation t = unit_->speculative_walk(*dev_, pasid(mm_), user_va());
  EXPECT_TRUE(t.ok());
  EXPECT_EQ(unit_->psc_size(), 1u);
  EXPECT_TRUE(psc_has(kPmd, user_va()));
  EXPECT_EQ(unit_->iotlb_size(), 0u);
  sys_->set_policy(nullptr);
}

// cache.c calculate_psi_aligned_address (kernel-sources item 9): the smallest naturally
// aligned power-of-two block containing [start, end].
TEST(CalculatePsi, GrowsToAlignedBlock) {
  unsigned long mask;
  EXPECT_EQ(calculate_psi_aligned_address(0x1000, 0x1fff, &mask), 0x1000u);
  EXPECT_EQ(mask, 0u);
  EXPECT_EQ(calculate_psi_aligned_address(0x2000, 0x3fff, &mask), 0x2000u);
  EXPECT_EQ(mask, 1u);
  // Two pages straddling a 4-page boundary: needs the 8-page block.
  EXPECT_EQ(calculate_psi_aligned_address(0x3000, 0x4fff, &mask), 0x0u);
  EXPECT_EQ(mask, 3u);
  EXPECT_EQ(calculate_psi_aligned_address(0x1000, 0x2fff, &mask), 0x0u);
  EXPECT_EQ(mask, 2u);
}

// BRIEF §4 item 2: the kernel half's invalidation, (PAGE_OFFSET, TLB_FLUSH_ALL) -> range
// [PAGE_OFFSET, ULONG_MAX - 1]: 4-level ADDR 0xffff800000000000 AM 35 IH 0; 5-level (computed
// here, PAGE_OFFSET 0xff11000000000000) ADDR 0xff00000000000000 AM 44: the whole upper half.
TEST_P(IommuTest, KernelHalfAddrAm) {
  iommu_sva_bind_device(ats_, mm_);
  iommu_sva_invalidate_kva_range(k_->layout().page_offset, TLB_FLUSH_ALL);
  std::vector<qi_desc> sub = unit_->submitted();
  const qi_desc* piotlb = nullptr;
  const qi_desc* devtlb = nullptr;
  for (const qi_desc& d : sub) {
    QiDecoded q = qi_decode(d);
    if (q.kind == QiKind::kPiotlb && !q.all) piotlb = &d;
    if (q.kind == QiKind::kPasidDevTlb) devtlb = &d;
  }
  ASSERT_TRUE(piotlb && devtlb);
  uint64_t want_addr = GetParam() == 4 ? 0xffff800000000000ULL : 0xff00000000000000ULL;
  unsigned want_am = GetParam() == 4 ? 35 : 44;
  EXPECT_EQ(piotlb->qw1 & VTD_PAGE_MASK, want_addr);
  EXPECT_EQ(piotlb->qw1 & 0x3f, want_am);
  EXPECT_EQ((piotlb->qw1 >> 6) & 1, 0u);   // IH = 0
  EXPECT_EQ((piotlb->qw0 >> 4) & 3, QI_GRAN_PSI_PASID);
  QiDecoded dq = qi_decode(*devtlb);
  EXPECT_EQ(dq.first, want_addr);
  EXPECT_EQ(dq.last, ~0ULL);
  EXPECT_EQ(dq.first, k_->layout().kernel_half_start);
}

// VT-d §6.5.2.6: device-TLB size encoding with the S bit: the lowest clear address bit at
// position p means a 2^(p+1)-byte range.
TEST(QiDesc, DevTlbSizeEncoding) {
  QiDecoded one = qi_decode(qi_desc_dev_iotlb_pasid(1, 2, 0x5000, 0));
  EXPECT_EQ(one.first, 0x5000u);
  EXPECT_EQ(one.last, 0x5fffu);
  qi_desc d = qi_desc_dev_iotlb_pasid(1, 2, 0x8000, 3);   // 8 pages
  EXPECT_TRUE(d.qw1 & QI_DEV_EIOTLB_SIZE);
  QiDecoded q = qi_decode(d);
  EXPECT_EQ(q.first, 0x8000u);
  EXPECT_EQ(q.last, 0xffffu);
  QiDecoded all = qi_decode(qi_desc_dev_iotlb_pasid(1, 2, 0, MAX_AGAW_PFN_WIDTH));
  EXPECT_EQ(all.first, 0u);
  EXPECT_EQ(all.last, ~0ULL);
}

INSTANTIATE_TEST_SUITE_P(Levels, IommuTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::iommu::testing
