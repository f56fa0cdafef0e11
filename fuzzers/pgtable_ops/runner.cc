// Op-by-op execution of a pgtable_ops Program against core/mm and core/oracle.
#include "fuzzers/pgtable_ops/runner.h"

#include <cstdio>
#include <string>
#include <vector>

#include "core/mm/cpa.h"
#include "core/mm/kernel.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/pgalloc.h"
#include "core/mm/ptdump.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "core/oracle/translation_oracle.h"
#include "core/sync/finding.h"

namespace svafuzz::fuzz::pgtable_ops {
namespace {

using namespace svafuzz::mm;   // NOLINT: kernel vocabulary
constexpr uint64_t k2M = 1ULL << 21;
constexpr uint64_t k1G = 1ULL << 30;
constexpr phys_addr_t kDevBase = 1ULL << 44;       // ioremap'd device memory (no frames)
constexpr uint64_t kUserBase = 0x400000;
constexpr size_t kMaxUserMms = 3;
constexpr size_t kFrameReserve = 96;               // stop before the pool could run dry

struct Range {
  uint64_t start, end;
  bool overlaps(uint64_t s, uint64_t e) const { return s < end && start < e; }
};
struct UserPage {
  mm_struct* mm;
  uint64_t va;
};

KernelOptions options_for(const Program& p) {
  KernelOptions o;
  o.levels = p.levels;
  o.async_kernel_pgtable_free = p.async_free;
  o.frames.capacity = 1024;
  o.frames.quarantine = 16;
  o.boot_ram_bytes = 0;   // boot() rounds up to cover the pool: 6 MiB
  // Hot-remove's free-before-clear (a documented v6.19 gap) would be a dangling-table finding
  // on every hot-remove program; every other table release is still checked.
  o.report_hot_remove_gap = false;
  return o;
}

class Runner {
 public:
  Runner(const Program& p, bool verbose)
      : p_(p), verbose_(verbose), k_(options_for(p)), scope_(&k_), oracle_(k_) {
    k_.hooks().pagetable_free_kernel = [this](ptdesc* pt) { deferred_.push_back(pt); };
    mms_.push_back(&k_.init_mm());
  }

  RunStats run() {
    RunStats st;
    for (const Op& op : p_.ops) {
      if (!findings().empty() || frames_low()) break;
      touched_.clear();
      if (verbose_) std::fprintf(stderr, "op %s\n", describe(op).c_str());
      bool did = step(op);
      drain();   // kernel_pgtable_work_func: the worker frees what was queued
      if (!did) {
        ++st.skipped;
        continue;
      }
      ++st.executed;
      check();
    }
    drain();
    return st;
  }

 private:
  bool step(const Op& op) {
    switch (op.kind) {
      case OpKind::kVmapSmall: return vmap_small(op.arg);
      case OpKind::kVmapPmd: return vmap_pmd(op.arg);
      case OpKind::kVmapPud: return vmap_pud(op.arg);
      case OpKind::kVunmap: return vunmap(op.arg);
      case OpKind::kHotAdd: return hot_add(op.arg);
      case OpKind::kHotRemove: return hot_remove(op.arg);
      case OpKind::kCpa: return cpa(op.arg);
      case OpKind::kMmAlloc: return mm_alloc();
      case OpKind::kMmapUser: return mmap_user(op.arg);
      case OpKind::kMunmapUser: return munmap_user(op.arg);
      case OpKind::kPtdump: return ptdump(op.arg);
      case OpKind::kCount: break;
    }
    return false;
  }

  bool frames_low() {
    FrameDb& f = k_.frames();
    size_t live = f.count(FrameUse::kPageTable) + f.count(FrameUse::kData);
    return live + 16 + kFrameReserve >= f.capacity();
  }

  void drain() {
    for (ptdesc* pt : deferred_) __pagetable_free(pt, "kernel_pgtable_work_func");
    deferred_.clear();
  }

  bool do_vmap(uint64_t addr, uint64_t end, phys_addr_t phys, unsigned shift) {
    if (end > vmalloc_model_end()) return false;
    for (const Range& r : vmaps_) {
      if (r.overlaps(addr, end)) return false;   // alloc_vmap_area never hands this out
    }
    if (vmap_range_noflush(addr, end, phys, __PAGE_KERNEL, shift) != 0) {
      report_finding(Detector::kOracle, "vmap_range_noflush failed on a free range");
      return true;
    }
    oracle_.vmap(addr, end, phys, __PAGE_KERNEL, shift);
    vmaps_.push_back({addr, end});
    touch(addr, end);
    return true;
  }

  bool vmap_small(const uint8_t* a) {
    uint64_t addr = vmalloc_model_start() + (a[0] % 4) * k1G + (a[1] % 8) * k2M +
                    (a[2] % 512) * PAGE_SIZE;
    uint64_t end = addr + (1 + a[3] % 16) * PAGE_SIZE;
    return do_vmap(addr, end, kDevBase + a[4] * 0x10000ULL, PAGE_SHIFT);
  }

  bool vmap_pmd(const uint8_t* a) {
    uint64_t addr = vmalloc_model_start() + (a[0] % 4) * k1G + (a[1] % 8) * k2M;
    bool unaligned = a[3] & 2;
    uint64_t n = unaligned ? 1 : 1 + a[2] % 2;
    phys_addr_t phys = kDevBase + a[4] * k2M + (unaligned ? PAGE_SIZE : 0);
    return do_vmap(addr, addr + n * k2M, phys, (a[3] & 1) ? PUD_SHIFT : PMD_SHIFT);
  }

  bool vmap_pud(const uint8_t* a) {
    uint64_t addr = vmalloc_model_start() + (a[0] % 4) * k1G;
    phys_addr_t phys = kDevBase + (a[1] % 16) * k1G;
    return do_vmap(addr, addr + k1G, phys, (a[2] & 1) ? PMD_SHIFT : PUD_SHIFT);
  }

  bool vunmap(const uint8_t* a) {
    if (vmaps_.empty()) return false;
    size_t i = a[0] % vmaps_.size();
    Range r = vmaps_[i];
    vunmap_range(r.start, r.end);
    oracle_.vunmap(r.start, r.end);
    vmaps_.erase(vmaps_.begin() + i);
    touch(r.start, r.end);
    return true;
  }

  bool hot_add(const uint8_t* a) {
    phys_addr_t start = (4 + a[0] % 2) * k1G + (a[1] % 32) * k2M;
    uint64_t size = (1 + a[2] % 4) * k2M;
    for (const Range& r : hot_) {
      if (r.overlaps(start, start + size)) return false;
    }
    bool use_4k = a[3] & 1;
    if (int err = add_memory(start, size, use_4k)) {
      report_finding(Detector::kOracle, "add_memory failed: " + std::to_string(err));
      return true;
    }
    oracle_.add_memory(start, size, use_4k);
    hot_.push_back({start, start + size});
    touch(k_.layout().direct_map(start), k_.layout().direct_map(start + size));
    return true;
  }

  bool hot_remove(const uint8_t* a) {
    if (hot_.empty()) return false;
    size_t i = a[0] % hot_.size();
    Range r = hot_[i];
    remove_memory(r.start, r.end - r.start);
    oracle_.remove_memory(r.start, r.end - r.start);
    hot_.erase(hot_.begin() + i);
    touch(k_.layout().direct_map(r.start), k_.layout().direct_map(r.end));
    return true;
  }

  bool cpa(const uint8_t* a) {
    size_t t = a[0] % (1 + hot_.size());
    Range target = t == 0 ? Range{0, k_.options().boot_ram_bytes} : hot_[t - 1];
    uint64_t pages = (target.end - target.start) / PAGE_SIZE;
    uint64_t page = (a[1] | (a[2] << 8)) % pages;
    int n = (a[3] & 0x80) ? 512 : 1 + a[3] % 8;
    if (page + n > pages) n = static_cast<int>(pages - page);
    pteval_t set = ((a[4] & 2) ? _PAGE_RW : 0) | ((a[4] & 4) ? _PAGE_NX : 0);
    pteval_t clr = ((a[4] & 1) ? _PAGE_RW : 0) | ((a[4] & 8) ? _PAGE_NX : 0);
    bool force_split = a[4] & 16, collapse = a[4] & 32;
    uint64_t addr = k_.layout().direct_map(target.start + page * PAGE_SIZE);
    if (int err = change_page_attr_set_clr(addr, n, set, clr, force_split, collapse)) {
      report_finding(Detector::kOracle, "change_page_attr_set_clr failed: " + std::to_string(err));
      return true;
    }
    oracle_.change_page_attr(addr, n, set, clr, force_split, collapse);
    touch(addr & ~(k2M - 1), addr + n * PAGE_SIZE);
    return true;
  }

  bool mm_alloc() {
    if (mms_.size() > kMaxUserMms) return false;
    mm_struct* mm = k_.mm_alloc("user" + std::to_string(mms_.size()));
    if (!mm) return false;
    mms_.push_back(mm);
    return true;
  }

  bool mmap_user(const uint8_t* a) {
    if (mms_.size() < 2) return false;
    mm_struct* mm = mms_[1 + a[0] % (mms_.size() - 1)];
    uint64_t va = kUserBase + (a[3] % 3) * k1G + (a[1] % 4) * k2M + (a[2] % 64) * PAGE_SIZE;
    if (oracle_.lookup(mm, va)) return false;
    bool writable = a[4] & 1;
    ptdesc* page = mmap_user_page(mm, va, writable);
    if (!page) {
      report_finding(Detector::kOracle, "mmap_user_page failed on a free address");
      return true;
    }
    oracle_.mmap_user(mm, va, page->phys(), writable);
    upages_.push_back({mm, va});
    touch(va, va + PAGE_SIZE);
    return true;
  }

  bool munmap_user(const uint8_t* a) {
    if (upages_.empty()) return false;
    size_t i = a[0] % upages_.size();
    UserPage u = upages_[i];
    if (munmap_user_page(u.mm, u.va, a[1] & 1) != 0) {
      report_finding(Detector::kOracle, "munmap_user_page found no page it had mapped");
    }
    oracle_.munmap_user(u.mm, u.va);
    upages_.erase(upages_.begin() + i);
    touch(u.va, u.va + PAGE_SIZE);
    return true;
  }

  // ptdump must see exactly the reference model's leaves.
  bool ptdump(const uint8_t* a) {
    mm_struct* mm = mms_[a[0] % mms_.size()];
    size_t bad = 0;
    size_t n = ptdump_walk_pgd(mm, [&](uint64_t va, int level, pteval_t e) {
      uint64_t base = 0;
      auto leaf = oracle_.lookup(mm, va, &base);
      if ((!leaf || base != va || leaf->size != level_size(level) ||
           leaf->pa != (entry_phys(e) & ~(level_size(level) - 1))) && bad++ == 0) {
        report_finding(Detector::kOracle, "ptdump of " + mm->name + ": leaf at " +
                                              std::to_string(va) + " not in the reference model");
      }
    });
    if (findings().empty() && n != oracle_.leaf_count(mm)) {
      report_finding(Detector::kOracle, "ptdump of " + mm->name + " saw " + std::to_string(n) +
                                            " leaves, reference model has " +
                                            std::to_string(oracle_.leaf_count(mm)));
    }
    return true;
  }

  void touch(uint64_t start, uint64_t end) {
    touched_.push_back(start);
    touched_.push_back(end - 1);
    touched_.push_back(start + (end - start) / 2);
    touched_.push_back(end);   // first byte after the range
    if (start >= PAGE_SIZE) touched_.push_back(start - 1);
  }

  void check() {
    std::vector<uint64_t> vas = oracle_.sample_vas(32);
    vas.insert(vas.end(), touched_.begin(), touched_.end());
    vas.push_back(vmalloc_model_start());
    vas.push_back(k_.layout().direct_map(4 * k1G));
    vas.push_back(kUserBase);
    oracle_.compare(mms_, vas);
  }

  const Program& p_;
  bool verbose_;
  Kernel k_;
  KernelScope scope_;
  oracle::TranslationOracle oracle_;
  std::vector<Range> vmaps_, hot_;
  std::vector<mm_struct*> mms_;
  std::vector<UserPage> upages_;
  std::vector<ptdesc*> deferred_;
  std::vector<uint64_t> touched_;
};

}  // namespace

RunStats run_program(const Program& p, bool verbose) {
  Runner r(p, verbose);
  return r.run();
}

}  // namespace svafuzz::fuzz::pgtable_ops
