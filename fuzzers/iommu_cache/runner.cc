// Op-by-op execution of an iommu_cache Program against core/mm + core/iommu, with the strict
// cache oracle after every op.
//
// The free path is mainline v6.19's (kernel-sources items 2, 8): marked kernel tables freed by
// pmd_free_pte_page / pud_free_pmd_page are queued by pagetable_free_kernel, and the kWorker op
// runs kernel_pgtable_work_func: splice the list, iommu_sva_invalidate_kva_range(PAGE_OFFSET,
// TLB_FLUSH_ALL), then __pagetable_free each page. The run ends with a worker pass.
#include "fuzzers/iommu_cache/runner.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/iommu/iommu.h"
#include "core/iommu/oracle.h"
#include "core/iommu/qi.h"
#include "core/mm/kernel.h"
#include "core/mm/pgalloc.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "core/sync/finding.h"

namespace svafuzz::fuzz::iommu_cache {
namespace {

using namespace svafuzz::mm;      // NOLINT: kernel vocabulary
using namespace svafuzz::iommu;   // NOLINT
constexpr phys_addr_t kDevBase = 1ULL << 44;   // ioremap'd device memory (no frames)
constexpr uint64_t kUserBase = 0x40000000;
constexpr size_t kFrameReserve = 64;           // stop before the pool could run dry
constexpr unsigned kStatusSlots = 64;

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
  o.async_kernel_pgtable_free = true;   // x86 with IOMMU_SVA selects it
  o.frames.capacity = 768;
  o.frames.quarantine = 8;
  o.boot_ram_bytes = 0;
  return o;
}

// The fill policy of one op: bit (k mod 8) of the op's policy byte keeps the k-th fill.
class SteeredPolicy final : public CachePolicy {
 public:
  void set(uint8_t bits) {
    bits_ = bits;
    n_ = 0;
  }
  bool cache(const CacheFill&) override { return (bits_ >> (n_++ % 8)) & 1; }

 private:
  uint8_t bits_ = 0xff;
  unsigned n_ = 0;
};

class Runner {
 public:
  Runner(const Program& p, bool verbose)
      : p_(p), verbose_(verbose), k_(options_for(p)), kscope_(&k_), iscope_(&sys_),
        oracle_(sys_, /*strict=*/true) {
    if (!p.planted_free_now) {
      k_.hooks().pagetable_free_kernel = [this](ptdesc* pt) { deferred_.push_back(pt); };
    }
    sys_.install_kernel_hooks(k_);
    if (p.steer_fills) sys_.set_policy(&policy_);
    IntelIommu* u0 = sys_.add_unit("dmar0");
    IntelIommu* u1 = sys_.add_unit("dmar1");
    for (IntelIommu* u : {u0, u1}) u->set_defects(HwDefects{p.planted_psi_keeps_psc});
    devs_ = {sys_.add_device(u0, "dev0", false), sys_.add_device(u0, "ats0", true),
             sys_.add_device(u1, "dev1", p.ats_on_unit1)};
    mms_ = {k_.mm_alloc("proc0"), k_.mm_alloc("proc1")};
  }
  ~Runner() { sys_.set_policy(nullptr); }

  RunStats run() {
    for (const Op& op : p_.ops) {
      if (!findings().empty() || frames_low()) break;
      if (verbose_) std::fprintf(stderr, "op %s\n", describe(op).c_str());
      policy_.set(op.policy);
      if (step(op)) {
        ++st_.executed;
        check();
      } else {
        ++st_.skipped;
      }
    }
    if (findings().empty()) {
      worker();
      check();
    }
    return st_;
  }

 private:
  bool step(const Op& op) {
    const uint8_t* a = op.arg;
    switch (op.kind) {
      case OpKind::kBind: return bind(a);
      case OpKind::kUnbind: return unbind(a);
      case OpKind::kMmapUser: return mmap_user(a);
      case OpKind::kMunmapUser: return munmap_user(a);
      case OpKind::kVmapSmall: return vmap_small(a);
      case OpKind::kVmapHuge: return vmap_huge(a);
      case OpKind::kVmapPud: return vmap_pud(a);
      case OpKind::kVunmap: return vunmap(a);
      case OpKind::kWorker: return worker();
      case OpKind::kDmaRead: return dma(a, false);
      case OpKind::kDmaWrite: return dma(a, true);
      case OpKind::kSpeculate: return speculate(a);
      case OpKind::kPiotlbPsi: return piotlb_psi(a);
      case OpKind::kPiotlbPasid: return piotlb_pasid(a);
      case OpKind::kDevTlbPasid: return devtlb_pasid(a);
      case OpKind::kQueueWait: return queue_wait(a);
      case OpKind::kProcess: return process(a);
      case OpKind::kKvaRange: return kva_range(a);
      case OpKind::kEvict: return evict(a);
      case OpKind::kCount: break;
    }
    return false;
  }

  bool frames_low() {
    FrameDb& f = k_.frames();
    size_t live = f.count(FrameUse::kPageTable) + f.count(FrameUse::kData);
    return live + kFrameReserve >= f.capacity();
  }

  // ---- addresses ----
  // 64 user pages: 2 GiB-apart regions x 4 PMDs x 8 pages.
  uint64_t user_va(uint8_t a, uint8_t b) const {
    return kUserBase + (a % 2) * PUD_SIZE + ((a >> 1) % 4) * PMD_SIZE + (b % 8) * PAGE_SIZE;
  }
  // Kernel vmalloc slots: 2 GiB x 8 PMDs; page b within the slot.
  uint64_t kslot(uint8_t a) const {
    return vmalloc_model_start() + (a % 2) * PUD_SIZE + ((a >> 1) % 8) * PMD_SIZE;
  }
  uint64_t kva(uint8_t a, uint8_t b) const { return kslot(a) + (b % 8) * PAGE_SIZE; }
  // A DMA / invalidation target: user or kernel, chosen by bit 7 of `sel`.
  uint64_t any_va(uint8_t sel, uint8_t b) const {
    return (sel & 0x80) ? kva(sel, b) : user_va(sel, b);
  }
  Device* dev(uint8_t a) const { return devs_[a % devs_.size()]; }
  mm_struct* mm(uint8_t a) const { return mms_[a % mms_.size()]; }
  // The PASID of mm (allocated at its first bind), else a PASID nobody uses.
  uint32_t pasid_of(uint8_t a) const {
    iommu_mm_data* d = mm(a)->iommu_mm.load();
    return d ? d->pasid : 7;
  }
  uint16_t did_of(Device* d, uint32_t pasid) const {
    std::optional<PasidEntry> pe = d->pasid_entry(pasid);
    return pe ? pe->did : FLPT_DEFAULT_DID;
  }

  // ---- bind / unbind ----
  bool bind(const uint8_t* a) {
    iommu_sva* h = iommu_sva_bind_device(dev(a[0]), mm(a[1]));
    if (!h) return false;
    handles_.push_back(h);
    return true;
  }

  bool unbind(const uint8_t* a) {
    if (handles_.empty()) return false;
    size_t i = a[0] % handles_.size();
    iommu_sva* h = handles_[i];
    handles_.erase(handles_.begin() + i);
    iommu_sva_unbind_device(h);
    return true;
  }

  // ---- user mappings (the mmu_notifier path) ----
  bool mmap_user(const uint8_t* a) {
    mm_struct* m = mm(a[0]);
    uint64_t va = user_va(a[1], a[2]);
    for (const UserPage& u : upages_) {
      if (u.mm == m && u.va == va) return false;
    }
    oracle_.note_change(m, va, va + PAGE_SIZE - 1);
    ptdesc* page = mmap_user_page(m, va, a[3] & 1);
    if (!page) {
      report_finding(Detector::kOracle, "mmap_user_page failed on a free address");
      return true;
    }
    upages_.push_back({m, va});
    return true;
  }

  bool munmap_user(const uint8_t* a) {
    if (upages_.empty()) return false;
    size_t i = a[0] % upages_.size();
    UserPage u = upages_[i];
    bool free_table = a[1] & 1;
    uint64_t first = free_table ? u.va & ~(PMD_SIZE - 1) : u.va;
    uint64_t last = free_table ? first + PMD_SIZE - 1 : u.va + PAGE_SIZE - 1;
    oracle_.note_change(u.mm, first, last);
    if (munmap_user_page(u.mm, u.va, free_table) != 0) {
      report_finding(Detector::kOracle, "munmap_user_page found no page it had mapped");
    }
    upages_.erase(upages_.begin() + i);
    return true;
  }

  // ---- kernel mappings and the deferred free ----
  bool do_vmap(uint64_t addr, uint64_t end, phys_addr_t phys, unsigned shift, bool ioremap) {
    for (const Range& r : vmaps_) {
      if (r.overlaps(addr, end)) return false;   // alloc_vmap_area never hands this out
    }
    // A promotion clears the PMD/PUD entry over the range and frees the table below it.
    oracle_.note_change(&k_.init_mm(), addr, end - 1);
    int err = ioremap ? ioremap_page_range(addr, end, phys, __PAGE_KERNEL)
                      : vmap_range_noflush(addr, end, phys, __PAGE_KERNEL, shift);
    if (err != 0) {
      report_finding(Detector::kOracle, "vmap of a free range failed: " + std::to_string(err));
      return true;
    }
    vmaps_.push_back({addr, end});
    return true;
  }

  bool vmap_small(const uint8_t* a) {
    uint64_t addr = kva(a[0], a[1]);
    uint64_t n = 1 + a[2] % 8;
    uint64_t end = std::min(addr + n * PAGE_SIZE, kslot(a[0]) + PMD_SIZE);
    return do_vmap(addr, end, kDevBase + a[3] * 0x10000ULL, PAGE_SHIFT, false);
  }

  bool vmap_huge(const uint8_t* a) {
    uint64_t addr = kslot(a[0]);
    return do_vmap(addr, addr + PMD_SIZE, kDevBase + (a[1] % 64) * PMD_SIZE, PMD_SHIFT, false);
  }

  bool vmap_pud(const uint8_t* a) {
    uint64_t addr = vmalloc_model_start() + (a[0] % 2) * PUD_SIZE;
    return do_vmap(addr, addr + PUD_SIZE, kDevBase + (a[1] % 4) * PUD_SIZE, PUD_SHIFT, true);
  }

  bool vunmap(const uint8_t* a) {
    if (vmaps_.empty()) return false;
    size_t i = a[0] % vmaps_.size();
    Range r = vmaps_[i];
    oracle_.note_change(&k_.init_mm(), r.start, r.end - 1);
    vunmap_range(r.start, r.end);
    vmaps_.erase(vmaps_.begin() + i);
    return true;
  }

  // kernel_pgtable_work_func (mainline): splice, invalidate, free.
  bool worker() {
    std::vector<ptdesc*> page_list;
    page_list.swap(deferred_);
    iommu_sva_invalidate_kva_range(k_.layout().page_offset, TLB_FLUSH_ALL);
    for (ptdesc* pt : page_list) __pagetable_free(pt, "kernel_pgtable_work_func");
    return true;
  }

  // ---- device side ----
  bool dma(const uint8_t* a, bool write) {
    Device* d = dev(a[0]);
    uint32_t pasid = pasid_of(a[1]);
    uint64_t va = any_va(a[2], a[3]) + (a[3] >> 3) * 8;
    DmaResult r = write ? d->dma_write(pasid, va, 0x5a5a0000u | a[3]) : d->dma_read(pasid, va);
    ++(r.ok() ? st_.dma_ok : st_.dma_faults);
    if (r.ok() && k_.layout().is_kernel(va)) {
      report_finding(Detector::kOracle, "a user-privilege DMA (SRE off) translated kernel "
                                        "address " + std::to_string(va));
    }
    return true;
  }

  bool speculate(const uint8_t* a) {
    Device* d = dev(a[0]);
    d->unit().speculative_walk(*d, pasid_of(a[1]), any_va(a[2], a[3]));
    return true;
  }

  // ---- raw invalidation (what other kernel paths, or a buggy driver, might queue) ----
  // a[3] bit 1: queue without waiting (the hardware processes it at a later kProcess or wait).
  void submit(IntelIommu* unit, const qi_desc& d, bool async) {
    if (async) {
      unit->qi_queue(&d, 1);
    } else {
      qi_submit_sync(unit, &d, 1);
    }
  }

  bool piotlb_psi(const uint8_t* a) {
    Device* d = dev(a[0]);
    uint32_t pasid = pasid_of(a[1]);
    unsigned am = a[3] >> 2;   // 0..63; the field holds 6 bits
    submit(&d->unit(), qi_desc_piotlb(did_of(d, pasid), pasid, any_va(a[2], a[3]) &
                                      VTD_PAGE_MASK, am, a[3] & 1), a[3] & 2);
    return true;
  }

  bool piotlb_pasid(const uint8_t* a) {
    Device* d = dev(a[0]);
    uint32_t pasid = pasid_of(a[1]);
    submit(&d->unit(), qi_desc_piotlb_all(did_of(d, pasid), pasid), a[3] & 2);
    return true;
  }

  bool devtlb_pasid(const uint8_t* a) {
    Device* d = dev(a[0]);
    unsigned order = a[3] >> 2;
    submit(&d->unit(), qi_desc_dev_iotlb_pasid(d->sid(), pasid_of(a[1]), any_va(a[2], a[3]) &
                                               VTD_PAGE_MASK, order), a[3] & 2);
    return true;
  }

  bool queue_wait(const uint8_t* a) {
    IntelIommu* unit = sys_.units()[a[0] % 2].get();
    uint32_t* status = &status_[(a[0] % 2) * kStatusSlots + next_status_++ % kStatusSlots];
    *status = QI_IN_USE;
    qi_desc w = qi_desc_wait(status);
    unit->qi_queue(&w, 1);
    return true;
  }

  bool process(const uint8_t* a) {
    IntelIommu* unit = sys_.units()[a[0] % 2].get();
    if (a[1] & 1) return unit->process_all() > 0;
    return unit->process_one();
  }

  bool kva_range(const uint8_t* a) {
    static constexpr uint64_t kSizes[] = {PAGE_SIZE, PMD_SIZE, PUD_SIZE, 0};
    uint64_t start = (a[0] & 1) ? k_.layout().page_offset : kva(a[1], a[2]);
    uint64_t size = kSizes[a[3] % 4];
    iommu_sva_invalidate_kva_range(start, size ? start + size : TLB_FLUSH_ALL);
    return true;
  }

  bool evict(const uint8_t* a) {
    sys_.units()[a[0] % 2]->evict_all();
    if (a[1] & 1) {
      for (Device* d : devs_) d->devtlb_evict_all();
    }
    return true;
  }

  void check() {
    OracleStats s = oracle_.check();
    st_.stale_pending += s.pending;
    ++st_.oracle_checks;
  }

  const Program& p_;
  bool verbose_;
  Kernel k_;
  KernelScope kscope_;
  IommuSystem sys_;
  IommuScope iscope_;
  IommuOracle oracle_;
  SteeredPolicy policy_;
  RunStats st_;
  std::vector<Device*> devs_;
  std::vector<mm_struct*> mms_;
  std::vector<iommu_sva*> handles_;
  std::vector<UserPage> upages_;
  std::vector<Range> vmaps_;
  std::vector<ptdesc*> deferred_;
  uint32_t status_[2 * kStatusSlots] = {};
  unsigned next_status_ = 0;
};

}  // namespace

RunStats run_program(const Program& p, bool verbose) {
  Runner r(p, verbose);
  return r.run();
}

}  // namespace svafuzz::fuzz::iommu_cache
