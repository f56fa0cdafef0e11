// Queued invalidation: granularity, IH, AM coverage, waits, device TLBs, the munmap notifier.
#include "tests/iommu/iommu_fixture.h"

namespace svafuzz::iommu::testing {
namespace {

using InvalidationTest = IommuTest;

// Two user pages under one PTE table; DMA to the first caches the PDE; then the PDE is cleared
// (without freeing the table), so only a cached PDE can still translate the second page.
class StalePde : public IommuTest {
 protected:
  void SetUp() override {
    IommuTest::SetUp();
    iommu_sva_bind_device(dev_, mm_);
    a_ = mmap_user_page(mm_, user_va(0), true);
    b_ = mmap_user_page(mm_, user_va(1), true);
    ASSERT_TRUE(dev_->dma_read(pasid(mm_), user_va(0)).ok());
    ASSERT_TRUE(psc_has(kPmd, user_va(1)));
    write_entry(slot_at(mm_, user_va(0), kPmd), 0);   // pmd_clear; the table stays allocated
  }
  bool b_translates() { return dev_->dma_read(pasid(mm_), user_va(1)).ok(); }
  ptdesc* a_ = nullptr;
  ptdesc* b_ = nullptr;
};

// SDM §4.10.3 / BRIEF §4: paging-structure entries may be used after memory changes until
// invalidated.
TEST_P(StalePde, StalePdeTranslatesUntilInvalidated) {
  EXPECT_TRUE(b_translates());
  submit({qi_desc_piotlb_all(did(), pasid(mm_))});
  EXPECT_FALSE(b_translates());
}

// VT-d §6.5.2.4 (P_IOTLB IH field; the same wording as IVA_REG.IH): IH=1 means software has
// not modified non-leaf entries for the ADDR/AM range, so hardware may keep paging-structure
// entries; IH=0 means it must flush both the leaf and the non-leaf entries corresponding to the
// mappings ADDR/AM specifies. An IOTLB entry of a page outside ADDR/AM is not among them: here
// page 1's leaf (filled by the walk through the stale PDE) survives an IH=0 PSI of page 0 while
// the PDE goes, and only a PSI covering page 1 removes it.
TEST_P(StalePde, InvalidationHint) {
  submit({qi_desc_piotlb(did(), pasid(mm_), user_va(0), 0, /*ih=*/true)});
  EXPECT_TRUE(psc_has(kPmd, user_va(1)));
  DmaResult via_stale_pde = dev_->dma_read(pasid(mm_), user_va(1));
  EXPECT_TRUE(via_stale_pde.ok());
  EXPECT_FALSE(via_stale_pde.tr.iotlb_hit);   // walked from the cached PDE
  submit({qi_desc_piotlb(did(), pasid(mm_), user_va(0), 0, /*ih=*/false)});
  EXPECT_FALSE(psc_has(kPmd, user_va(1)));
  DmaResult leaf_kept = dev_->dma_read(pasid(mm_), user_va(1));
  EXPECT_TRUE(leaf_kept.ok());
  EXPECT_TRUE(leaf_kept.tr.iotlb_hit);        // page 1 is outside ADDR/AM
  submit({qi_desc_piotlb(did(), pasid(mm_), user_va(1), 0, /*ih=*/true)});
  EXPECT_EQ(dev_->dma_read(pasid(mm_), user_va(1)).tr.fault, Fault::kNotPresent);
}

// The range test at the PSC level: IH=0 with a range that misses the PDE's 2 MiB span leaves
// the PDE; an AM whose block covers it removes it.
TEST_P(StalePde, InvalidationHintRangeIsRespected) {
  uint64_t next_2m = (user_va(0) & ~(PMD_SIZE - 1)) + PMD_SIZE;
  submit({qi_desc_piotlb(did(), pasid(mm_), next_2m, 9, /*ih=*/false)});   // next 2 MiB only
  EXPECT_TRUE(psc_has(kPmd, user_va(1)));
  submit({qi_desc_piotlb(did(), pasid(mm_), next_2m, 10, /*ih=*/false)});  // 4 MiB: covers it
  EXPECT_FALSE(psc_has(kPmd, user_va(1)));
  EXPECT_FALSE(b_translates());
}

// VT-d §6.5.2.8 / BRIEF §4 item 3: descriptors are processed asynchronously; only the
// completed wait guarantees the earlier ones are done. Queue a P_IOTLB + wait, don't process:
// the stale PDE still translates; process the P_IOTLB: gone, but the status is not yet done;
// process the wait: status QI_DONE.
TEST_P(StalePde, StaleUntilWaitCompletes) {
  sys_->set_mode(HwMode::kAgent);
  uint32_t status = QI_IN_USE;
  qi_desc descs[] = {qi_desc_piotlb(did(), pasid(mm_), user_va(0), 9, false),
                     qi_desc_wait(&status)};
  unit_->qi_queue(descs, 2);
  EXPECT_EQ(unit_->queue_depth(), 2u);
  EXPECT_TRUE(b_translates());
  EXPECT_EQ(status, QI_IN_USE);
  ASSERT_TRUE(unit_->process_one());
  EXPECT_EQ(status, QI_IN_USE);
  ASSERT_TRUE(unit_->process_one());
  EXPECT_EQ(status, QI_DONE);
  EXPECT_FALSE(b_translates());
  EXPECT_FALSE(unit_->process_one());   // queue empty
}

// VT-d §6.5.2.4: PSI covers 2^AM pages at ADDR (low bits ignored). A block that ends one page
// short of an entry leaves it; the next AM covers it.
TEST_P(InvalidationTest, AddressMaskCoverage) {
  iommu_sva_bind_device(dev_, mm_);
  for (unsigned i = 0; i < 4; ++i) ASSERT_NE(mmap_user_page(mm_, user_va(i), true), nullptr);
  ASSERT_TRUE(dev_->dma_read(pasid(mm_), user_va(2)).ok());
  ASSERT_EQ(unit_->iotlb_size(), 1u);
  submit({qi_desc_piotlb(did(), pasid(mm_), user_va(0), 1, true)});   // pages 0-1: too small
  EXPECT_EQ(unit_->iotlb_size(), 1u);
  submit({qi_desc_piotlb(did(), pasid(mm_), user_va(0), 2, true)});   // pages 0-3
  EXPECT_EQ(unit_->iotlb_size(), 0u);
  // Via the driver: [page 1, page 2] is unaligned, so calculate_psi_aligned_address grows it
  // to the 4-page block at page 0 and the flush covers page 2.
  ASSERT_TRUE(dev_->dma_read(pasid(mm_), user_va(2)).ok());
  dmar_domain* dom = mm_->iommu_mm.load()->sva_domains.next == nullptr
                         ? nullptr
                         : container_of(mm_->iommu_mm.load()->sva_domains.next, domain_link,
                                        node)->domain;
  cache_tag_flush_range(dom, user_va(1), user_va(2) + PAGE_SIZE - 1, 0);
  EXPECT_EQ(unit_->iotlb_size(), 0u);
}

// VT-d §6.5.2.4 granularity "non-global within PASID": everything of one (DID, PASID), and
// nothing of another PASID.
TEST_P(InvalidationTest, PasidSelective) {
  mm_struct* other = k_->mm_alloc("other");
  iommu_sva_bind_device(dev_, mm_);
  iommu_sva_bind_device(dev_, other);
  ASSERT_NE(mmap_user_page(mm_, user_va(0), true), nullptr);
  ASSERT_NE(mmap_user_page(other, user_va(0), true), nullptr);
  ASSERT_TRUE(dev_->dma_read(pasid(mm_), user_va(0)).ok());
  ASSERT_TRUE(dev_->dma_read(pasid(other), user_va(0)).ok());
  ASSERT_EQ(unit_->iotlb_size(), 2u);
  submit({qi_desc_piotlb_all(did(), pasid(mm_))});
  std::vector<IotlbEntry> left = unit_->iotlb_snapshot();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key.pasid, pasid(other));
  for (const PscEntry& e : unit_->psc_snapshot()) EXPECT_EQ(e.key.pasid, pasid(other));
}

// VT-d §6.5.2.6: the device TLB of an ATS device is invalidated only by a PASID-based
// device-TLB invalidation; cache_tag_flush_range sends one per ATS device.
TEST_P(InvalidationTest, DeviceTlbInvalidation) {
  iommu_sva_bind_device(ats_, mm_);
  ASSERT_NE(mmap_user_page(mm_, user_va(0), true), nullptr);
  ASSERT_TRUE(ats_->dma_read(pasid(mm_), user_va(0)).ok());
  EXPECT_EQ(ats_->devtlb_size(), 1u);
  EXPECT_TRUE(ats_->dma_read(pasid(mm_), user_va(0)).devtlb_hit);
  uint16_t d = ats_->pasid_entry(pasid(mm_))->did;
  submit({qi_desc_piotlb_all(d, pasid(mm_))});   // IOTLB only
  EXPECT_EQ(ats_->devtlb_size(), 1u);
  submit({qi_desc_dev_iotlb_pasid(ats_->sid(), pasid(mm_), user_va(0), 0)});
  EXPECT_EQ(ats_->devtlb_size(), 0u);
}

// user_mm.h / arch/x86 flush_tlb_mm_range -> mmu_notifier_arch_invalidate_secondary_tlbs:
// munmap invalidates the IOTLB, paging-structure caches and device TLB for the range before
// the page and table are freed, so DMA faults cleanly afterwards.
TEST_P(InvalidationTest, MunmapInvalidatesSecondaryTlbs) {
  iommu_sva_bind_device(ats_, mm_);
  ASSERT_NE(mmap_user_page(mm_, user_va(0), true), nullptr);
  ASSERT_TRUE(ats_->dma_write(pasid(mm_), user_va(0), 7).ok());
  ASSERT_EQ(munmap_user_page(mm_, user_va(0), /*free_empty_table=*/true), 0);
  EXPECT_EQ(ats_->devtlb_size(), 0u);
  EXPECT_EQ(unit_->iotlb_size(), 0u);
  EXPECT_FALSE(psc_has(kPmd, user_va(0)));
  EXPECT_EQ(ats_->dma_read(pasid(mm_), user_va(0)).tr.fault, Fault::kNotPresent);
  IommuOracle oracle(*sys_);
  EXPECT_EQ(oracle.check().findings, 0u);
  EXPECT_TRUE(findings().empty());
}

// svm.c intel_arch_invalidate_secondary_tlbs: (0, ULONG_MAX) -> cache_tag_flush_all, which
// (cache.c) queues a PASID-selective P_IOTLB (npages -1) per IOTLB tag and a device-TLB
// invalidation without PASID of everything per ATS device; any other range is page-selective
// (AM up to the full width) plus a PASID-based device-TLB invalidation.
TEST_P(InvalidationTest, FlushAllVersusFullRange) {
  iommu_sva_bind_device(ats_, mm_);
  ASSERT_NE(mmap_user_page(mm_, user_va(0), true), nullptr);
  ASSERT_TRUE(ats_->dma_read(pasid(mm_), user_va(0)).ok());
  size_t before = unit_->submitted().size();
  mmu_notifier_arch_invalidate_secondary_tlbs(mm_, 0, ~0ULL);
  std::vector<qi_desc> sub = unit_->submitted();
  ASSERT_EQ(sub.size(), before + 3);   // P_IOTLB, device TLB, wait
  QiDecoded p = qi_decode(sub[before]);
  QiDecoded d = qi_decode(sub[before + 1]);
  EXPECT_EQ(p.kind, QiKind::kPiotlb);
  EXPECT_TRUE(p.all);
  EXPECT_EQ(p.did, FLPT_DEFAULT_DID);
  EXPECT_EQ(d.kind, QiKind::kDevTlb);
  EXPECT_EQ(d.sid, ats_->sid());
  EXPECT_EQ(d.first, 0u);
  EXPECT_EQ(d.last, ~0ULL);
  EXPECT_EQ(ats_->devtlb_size(), 0u);
  EXPECT_EQ(unit_->iotlb_size(), 0u);
  // [1, ULONG_MAX - 1]: not the flush-all special case; the block is the whole space.
  before = unit_->submitted().size();
  mmu_notifier_arch_invalidate_secondary_tlbs(mm_, 1, ~0ULL);
  sub = unit_->submitted();
  QiDecoded r = qi_decode(sub[before]);
  EXPECT_EQ(r.kind, QiKind::kPiotlb);
  EXPECT_FALSE(r.all);
  EXPECT_EQ(r.am, MAX_AGAW_PFN_WIDTH);
  EXPECT_EQ(qi_decode(sub[before + 1]).kind, QiKind::kPasidDevTlb);
}

INSTANTIATE_TEST_SUITE_P(Levels, StalePde, ::testing::Values(4, 5), LevelName);
INSTANTIATE_TEST_SUITE_P(Levels, InvalidationTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::iommu::testing
