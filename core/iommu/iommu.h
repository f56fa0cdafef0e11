// The simulated IOMMU subsystem of one execution: the VT-d units and devices, the hardware
// mode, the cache policy, the model clock, and the globals of drivers/iommu/iommu-sva.c
// (iommu_sva_lock, iommu_sva_present, iommu_sva_mms).
//
// One IommuSystem is "current" at a time (IommuScope), as the kernel's globals are: kernel-style
// entry points (iommu_sva_bind_device, iommu_sva_invalidate_kva_range) name it implicitly.
// Tests and fuzz targets build a fresh one per execution, after the Kernel.
//
// What a concurrent scenario calls:
//   bind/unbind      iommu_sva_bind_device / iommu_sva_unbind_device           (sva.h)
//   DMA              Device::dma_read / dma_write                              (device.h)
//   speculation      IntelIommu::speculative_walk                              (intel_iommu.h)
//   hardware step    IntelIommu::process_one / process_all  (HwMode::kAgent)   (intel_iommu.h)
//   invalidate       iommu_sva_invalidate_kva_range; KernelHooks::invalidate_secondary_tlbs
//   check            IommuOracle::check                                        (oracle.h)
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/iommu/cache_policy.h"
#include "core/iommu/device.h"
#include "core/iommu/intel_cache_tag.h"
#include "core/iommu/intel_iommu.h"
#include "core/iommu/sva.h"
#include "core/sync/mutex.h"

namespace svafuzz::mm {
class Kernel;
}

namespace svafuzz::iommu {

// Who processes invalidation queues.
enum class HwMode : uint8_t {
  kSynchronous,   // qi_submit_sync drives process_one() itself: sequential tests and fuzzers
  kAgent,         // a separate IOMMU agent runs process_one(): concurrent scenarios
};

struct IommuOptions {
  HwMode mode = HwMode::kSynchronous;
};

class IommuSystem {
 public:
  explicit IommuSystem(IommuOptions opts = {});
  ~IommuSystem();
  IommuSystem(const IommuSystem&) = delete;
  IommuSystem& operator=(const IommuSystem&) = delete;

  IntelIommu* add_unit(const std::string& name);
  Device* add_device(IntelIommu* unit, const std::string& name, bool ats);
  const std::vector<std::unique_ptr<IntelIommu>>& units() const { return units_; }
  const std::vector<std::unique_ptr<Device>>& devices() const { return devices_; }

  HwMode mode() const { return opts_.mode; }
  void set_mode(HwMode m) { opts_.mode = m; }

  // True when a waiter must run the invalidation hardware itself (process_one) rather than
  // wait for an IOMMU agent: in kSynchronous mode, and for code on the host outside every
  // agent (a world's set-up or teardown, e.g. a shape that frees a table before the start).
  // No agent runs while the host does, so in kAgent mode such a wait would never end.
  bool hw_runs_inline() const;

  // The installed cache policy (never null; CacheEverything by default). Not owned.
  CachePolicy& policy() const { return *policy_.load(std::memory_order_acquire); }
  void set_policy(CachePolicy* p);

  // The model clock: a strictly increasing stamp for walk starts, invalidations and notes.
  uint64_t tick() { return clock_.fetch_add(1, std::memory_order_acq_rel) + 1; }
  uint64_t now() const { return clock_.load(std::memory_order_acquire); }

  // Routes KernelHooks::invalidate_secondary_tlbs (user munmap) to the SVA notifiers.
  // The hook installs this system as current for its duration.
  void install_kernel_hooks(mm::Kernel& k);

  // ---- iommu-sva.c globals and the objects bind/unbind own ----
  sync::mutex iommu_sva_lock{"iommu_sva_lock"};
  bool iommu_sva_present = false;                      // under iommu_sva_lock
  klib::list_head iommu_sva_mms{&iommu_sva_mms, &iommu_sva_mms};   // under iommu_sva_lock
  // Stands in for the mmu_notifier SRCU: guards every mm's sva_domains list for notifier
  // walks that do not hold iommu_sva_lock (user munmap). Taken after iommu_sva_lock.
  sync::spinlock_t mn_lock{"mmu_notifier_lock"};

  iommu_mm_data* iommu_alloc_mm_data(mm::mm_struct* mm);   // iommu_sva_lock held
  // mm_pasid_drop (from __mmdrop, any context): frees mm->iommu_mm and returns its PASID to
  // the global allocator, whose next allocation takes the lowest free PASID again (ida).
  void mm_pasid_drop(mm::mm_struct* mm);
  dmar_domain* alloc_domain(mm::mm_struct* mm);             // iommu_sva_lock held
  void free_domain(dmar_domain* d);                         // iommu_sva_lock held
  iommu_sva* find_handle(Device* dev, mm::mm_struct* mm);   // iommu_sva_lock held
  iommu_sva* alloc_handle(Device* dev, dmar_domain* d);     // iommu_sva_lock held
  void free_handle(iommu_sva* h);                           // iommu_sva_lock held

 private:
  IommuOptions opts_;
  CacheEverything default_policy_;
  std::atomic<CachePolicy*> policy_{&default_policy_};
  std::atomic<uint64_t> clock_{0};
  std::vector<std::unique_ptr<IntelIommu>> units_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::mutex pasid_mu_;   // the global PASID ida and mm_data_ (allocator bookkeeping)
  std::set<uint32_t> pasids_in_use_;
  std::vector<std::unique_ptr<iommu_mm_data>> mm_data_;
  std::vector<std::unique_ptr<dmar_domain>> domains_;
  std::vector<std::unique_ptr<iommu_sva>> handles_;
  uint16_t next_sid_ = 0x100;   // bus 1, devfn 0
};

// The current system. Precondition: an IommuScope is live.
IommuSystem& iommu_system();
bool has_iommu_system();

class IommuScope {
 public:
  explicit IommuScope(IommuSystem* s);
  ~IommuScope();
  IommuScope(const IommuScope&) = delete;
  IommuScope& operator=(const IommuScope&) = delete;

 private:
  IommuSystem* prev_;
};

}  // namespace svafuzz::iommu
