// A fresh Kernel and IommuSystem per test, parameterised on the paging depth (4 or 5 levels):
// one VT-d unit with a plain device and an ATS device, one user mm, and helpers to build the
// mappings the tests walk (through the real mm API: vmap_range_noflush, mmap_user_page).
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/iommu/iommu.h"
#include "core/iommu/oracle.h"
#include "core/iommu/qi.h"
#include "core/mm/frame_check.h"
#include "core/mm/kernel.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "core/sync/finding.h"

namespace svafuzz::iommu::testing {

using namespace svafuzz::mm;   // NOLINT: tests speak the kernel's vocabulary

class IommuTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    findings().clear();
    KernelOptions o;
    o.levels = GetParam();
    o.frames.capacity = 1024;
    o.boot_ram_bytes = 0;
    k_ = std::make_unique<Kernel>(o);
    kscope_ = std::make_unique<KernelScope>(k_.get());
    sys_ = std::make_unique<IommuSystem>();
    iscope_ = std::make_unique<IommuScope>(sys_.get());
    sys_->install_kernel_hooks(*k_);
    unit_ = sys_->add_unit("dmar0");
    dev_ = sys_->add_device(unit_, "dev0", false);
    ats_ = sys_->add_device(unit_, "ats0", true);
    mm_ = k_->mm_alloc("proc");
  }
  void TearDown() override {
    iscope_.reset();
    sys_.reset();
    kscope_.reset();
    k_.reset();
  }

  uint32_t pasid(mm_struct* mm) { return mm->iommu_mm.load()->pasid; }
  uint64_t user_va(unsigned i = 0) { return 0x40000000ULL + i * PAGE_SIZE; }
  uint64_t kva(unsigned i = 0) { return vmalloc_model_start() + 5 * PMD_SIZE + i * PAGE_SIZE; }

  // A kernel page at kva(i) mapped to a fresh data frame.
  ptdesc* vmap_page(unsigned i) {
    ptdesc* data = __get_free_page("test data");
    EXPECT_EQ(vmap_range_noflush(kva(i), kva(i) + PAGE_SIZE, data->phys(), __PAGE_KERNEL,
                                 PAGE_SHIFT), 0);
    return data;
  }
  ptdesc* table_at(mm_struct* mm, uint64_t va, int level) {
    ptdesc* t = mm->pgd;
    for (int l = k_->levels(); l > level; --l) {
      pteval_t e = read_entry(table_slot(t, pt_index(va, l)));
      if (!entry_present(e) || entry_is_leaf(e, l)) return nullptr;
      t = entry_to_ptdesc(e);
    }
    return t;
  }
  pteval_t* slot_at(mm_struct* mm, uint64_t va, int level) {
    ptdesc* t = table_at(mm, va, level);
    return t ? table_slot(t, pt_index(va, level)) : nullptr;
  }
  bool psc_has(int level, uint64_t va) {
    for (const PscEntry& e : unit_->psc_snapshot()) {
      uint64_t f, l;
      level_range(e.va_base, e.key.level, &f, &l);
      if (e.key.level == level && va >= f && va <= l) return true;
    }
    return false;
  }
  void submit(const std::vector<qi_desc>& d) { qi_submit_sync(unit_, d.data(), d.size()); }
  uint16_t did() { return dev_->pasid_entry(pasid(mm_))->did; }

  std::unique_ptr<Kernel> k_;
  std::unique_ptr<KernelScope> kscope_;
  std::unique_ptr<IommuSystem> sys_;
  std::unique_ptr<IommuScope> iscope_;
  IntelIommu* unit_ = nullptr;
  Device* dev_ = nullptr;
  Device* ats_ = nullptr;
  mm_struct* mm_ = nullptr;
};

inline std::string LevelName(const ::testing::TestParamInfo<int>& i) {
  return "L" + std::to_string(i.param);
}

}  // namespace svafuzz::iommu::testing
