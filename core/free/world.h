// FreePathWorld: one execution's simulated system for the deferred free of kernel page-table
// pages, with the free-path design under test installed, on either backend (sched or threads).
//
// What it builds (constructor, on the host, before the execution):
//   - a Kernel (4- or 5-level paging) with CONFIG_ASYNC_KERNEL_PGTABLE_FREE on or off;
//   - an IommuSystem with `units` VT-d units ("dmar0".."dmar2") in HwMode::kAgent (each unit
//     processes its invalidation queue as its own agent) or kSynchronous (the submitting CPU
//     drives it), and the devices: `device_specs` (each behind its unit, ATS or not), or, when
//     that is empty, `devices` devices behind dmar0 (the first `ats_devices` with ATS);
//   - `processes` user mms ("proc0", "proc1", ...); proc0 is bound with SVA to every device
//     (iommu_sva_bind_device), so iommu_sva_present is true and every device walks the shared
//     kernel half. The world keeps those boot handles (boot_handle()): a scenario's unbind may
//     drop one, and the last unbind then really detaches and frees the domain;
//   - `kernel_slots` vmalloc slots, each a 2 MiB region mapped with one 4 KiB page, so each has
//     its own PTE table (allocated by pte_alloc_kernel, hence marked PT_kernel): the tables the
//     CPU agents free and the devices walk;
//   - the design under test (registry.h), reset to its initial state and installed in
//     KernelHooks::pagetable_free_kernel.
//
// Per execution, from Scenario::setup(rt): start(rt) spawns the daemons (the kworker of the
// system workqueue, and the IOMMU agent in kAgent mode); spawn()/spawn_cpu()/spawn_device() add
// the scenario's agents. The helpers below (huge_promote, dma_kernel, ...) are called FROM those
// agents.
//
// Teardown (teardown(), on the host after the execution, e.g. from Scenario::check()):
//   1. drains: runs any work item still queued on the system workqueue and every invalidation
//      still queued (so a correct design ends clean even when its kworker did not get to run);
//   2. reports page-table frames that are neither free nor reachable from any page table:
//      those whose pt_list is still linked are `stranded` (left on a deferred list), the others
//      are a `leak`.
// It reports through report_finding(), so callers read svafuzz::findings() as usual.
//
// Lifetime: one FreePathWorld per execution. It installs KernelScope/IommuScope for its
// lifetime (process-global, as the kernel's globals are), so only one world may be live at a
// time. Not copyable. Agents must have finished before it is destroyed.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/free/registry.h"
#include "core/iommu/iommu.h"
#include "core/mm/kernel.h"
#include "core/sync/runtime.h"
#include "core/sync/workqueue.h"

namespace svafuzz::free {

struct WorldOptions {
  int levels = 4;                       // 4 or 5
  std::string design = "mainline";      // a registered design (registry.h)
  const mm::KernelProfile* kernel = &mm::kernel_v6_19();   // the simulated kernel (kernel_profile.h)
  // CONFIG_ASYNC_KERNEL_PGTABLE_FREE at run time; defaults to the build-time setting.
  bool async_kernel_pgtable_free = mm::KernelOptions{}.async_kernel_pgtable_free;
  iommu::HwMode hw_mode = iommu::HwMode::kAgent;
  int devices = 1;                      // devices behind dmar0, all bound to proc0
  int ats_devices = 0;                  // the first ats_devices of them have ATS
  int units = 1;                        // VT-d units (1-3)
  struct DeviceSpec {
    int unit = 0;                       // index into the units (taken modulo `units`)
    bool ats = false;
  };
  std::vector<DeviceSpec> device_specs; // if set, replaces devices/ats_devices
  int processes = 1;                    // user mms proc0.. (proc0 is bound at boot)
  int kernel_slots = 2;                 // vmalloc 2 MiB slots, each with its own PTE table
  size_t frames = 256;                  // frame pool
  size_t quarantine = 16;               // frees before a frame can be reused
};

class FreePathWorld {
 public:
  // Builds the system. An unknown design name throws std::invalid_argument (callers check
  // find_design() first to print a clear message). Runs on the host with no runtime.
  explicit FreePathWorld(WorldOptions opts);
  ~FreePathWorld();
  FreePathWorld(const FreePathWorld&) = delete;
  FreePathWorld& operator=(const FreePathWorld&) = delete;

  // Spawns the daemons on rt: the kworker (system WorkerPool) and, in kAgent mode, the IOMMU
  // agent. Call once, before or while the execution runs.
  void start(sync::Runtime* rt);

  // Spawns a scenario agent (non-daemon). The IOMMU agent stays alive until every agent
  // spawned here has finished and the kworker is idle.
  sync::AgentId spawn(sync::Runtime* rt, std::string name, std::function<void()> fn);

  // ---- operations for agents ----
  // The CPU side: vmap_try_huge_pmd over kernel slot `slot`, which frees its PTE table through
  // pmd_free_pte_page -> pagetable_dtor_free -> pagetable_free -> pagetable_free_kernel (the
  // design). Returns 1 if the slot was promoted (0: already huge, nothing freed).
  int huge_promote(int slot);
  // The device side: a DMA read by device `dev` at kernel slot `slot`'s 4 KiB page. SRE is off,
  // so the walk faults on U/S at the leaf, after caching the PML4E/PDPE/PDE on the way.
  iommu::DmaResult dma_kernel(int dev, int slot);
  // A DMA read at a user address of proc0.
  iommu::DmaResult dma_user(int dev, uint64_t va);
  // A speculative walk (prefetch) by device `dev` at kernel slot `slot`.
  iommu::Translation prefetch_kernel(int dev, int slot);

  // ---- teardown ----
  // Drains, then reports stranded/leaked page-table frames (see the file comment). Skips the
  // frame checks if a finding was already reported in this execution (a stopped execution's
  // state is not meaningful). Returns the number of findings it reported.
  int teardown();
  // Drains only: runs pending work and queued invalidations on the calling (host) thread.
  void drain();

  // ---- accessors ----
  const WorldOptions& options() const { return opts_; }
  const DesignInfo& design() const { return *design_; }
  mm::Kernel& kernel() { return *kernel_; }
  iommu::IommuSystem& iommu() { return *iommu_; }
  iommu::IntelIommu* unit(int i = 0) { return units_.at(i); }
  int unit_count() const { return int(units_.size()); }
  int device_count() const { return int(devices_.size()); }
  iommu::Device* device(int i) { return devices_.at(i); }
  mm::mm_struct* proc(int i = 0) { return procs_.at(i); }   // as built; may have exited since
  int process_count() const { return int(procs_.size()); }
  uint32_t pasid() const { return pasid_; }                 // proc0's PASID at boot
  // proc0's boot-time SVA handle of device i (the world no longer uses it after boot).
  iommu::iommu_sva* boot_handle(int i) const { return boot_handles_.at(i); }
  // Names of the daemons start() spawns, in spawn order: "kworker", "iommu/dmar0", ...
  std::vector<std::string> daemon_names() const;
  uint64_t kva(int slot) const;                  // the mapped 4 KiB page of kernel slot `slot`
  mm::ptdesc* slot_table(int slot) const { return slot_tables_.at(slot); }
  sync::workqueue_struct* system_wq_of_world();  // nullptr before start()
  int live_agents() const { return live_.load(std::memory_order_acquire); }

 private:
  void build_devices();
  void build_slots();
  bool kworker_idle();
  void iommu_agent(iommu::IntelIommu* unit);
  mm::pteval_t* pmd_slot(uint64_t va);

  WorldOptions opts_;
  const DesignInfo* design_;
  std::unique_ptr<mm::Kernel> kernel_;
  std::unique_ptr<mm::KernelScope> kscope_;
  std::unique_ptr<iommu::IommuSystem> iommu_;
  std::unique_ptr<iommu::IommuScope> iscope_;
  std::vector<iommu::IntelIommu*> units_;
  std::vector<iommu::Device*> devices_;
  std::vector<mm::mm_struct*> procs_;
  std::vector<iommu::iommu_sva*> boot_handles_;
  uint32_t pasid_ = 0;
  std::vector<mm::ptdesc*> slot_tables_;
  std::vector<mm::pteval_t*> slot_pmds_;   // init_mm PMD entry of each slot (fixed)
  bool threaded_ = false;                  // the IOMMU agent runs on a real thread
  std::unique_ptr<sync::WorkerPool> pool_;
  std::atomic<int> live_{0};
};

}  // namespace svafuzz::free
