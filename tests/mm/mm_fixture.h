// A fresh Kernel per test, parameterised on the paging depth (4 or 5 levels), with hooks that
// record CPU flushes and deferred frees in order, so tests can check what is freed and when.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/mm/frame_check.h"
#include "core/mm/kernel.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/walk.h"
#include "core/sync/finding.h"

namespace svafuzz::mm::testing {

class MmTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    findings().clear();
    k_ = std::make_unique<Kernel>(options());
    scope_ = std::make_unique<KernelScope>(k_.get());
    k_->hooks().flush_tlb_kernel = [this](uint64_t s, uint64_t e) {
      log_.push_back("flush " + hex(s) + "-" + hex(e));
    };
    k_->hooks().pagetable_free_kernel = [this](ptdesc* pt) {
      log_.push_back("defer pfn " + hex(pt->pfn));
      deferred_.push_back(pt);
    };
  }
  void TearDown() override {
    scope_.reset();
    k_.reset();
  }

  virtual KernelOptions options() {
    KernelOptions o;
    o.levels = GetParam();
    o.frames.capacity = 1024;
    o.frames.quarantine = 16;
    o.boot_ram_bytes = 0;   // boot() rounds up to cover the frame pool
    return o;
  }

  // Completes the deferred frees (what the worker would do after its invalidation).
  void drain_deferred() {
    for (ptdesc* pt : deferred_) __pagetable_free(pt, "test drain");
    deferred_.clear();
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
  pteval_t entry_at(mm_struct* mm, uint64_t va, int level) {
    ptdesc* t = table_at(mm, va, level);
    return t ? read_entry(table_slot(t, pt_index(va, level))) : 0;
  }

  static std::string hex(uint64_t v) {
    char b[32];
    snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
    return b;
  }
  bool is_free(const ptdesc* pt) const { return pt->use.load() == FrameUse::kFree; }
  bool marked(ptdesc* pt) { return ptdesc_test_kernel(pt); }
  bool reserved(ptdesc* pt) { return (pt->flags & (1UL << PT_reserved)) != 0; }

  Kernel& k() { return *k_; }
  mm_struct* init_mm() { return &k_->init_mm(); }

  std::unique_ptr<Kernel> k_;
  std::unique_ptr<KernelScope> scope_;
  std::vector<std::string> log_;
  std::vector<ptdesc*> deferred_;
};

inline std::string LevelName(const ::testing::TestParamInfo<int>& i) {
  return "L" + std::to_string(i.param);
}

}  // namespace svafuzz::mm::testing
