// FreePathWorld: building the system, the IOMMU agent, and teardown (see world.h).
#include "core/free/world.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

#include "core/iommu/qi.h"
#include "core/mm/frame_check.h"
#include "core/mm/huge_vmap.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/vmalloc.h"
#include "core/sync/atomic.h"
#include "core/sync/finding.h"
#include "core/threads/threads_runtime.h"

namespace svafuzz::free {
namespace {

// Kernel slot i is the 2 MiB region at VMALLOC_START + (i + 1) * PMD_SIZE (slot -1, the first
// 2 MiB, is left alone); its mapped page is the region's first 4 KiB.
uint64_t slot_base(int slot) { return mm::vmalloc_model_start() + (slot + 1) * mm::PMD_SIZE; }

// A 2 MiB-aligned physical address for slot's huge leaf; above the frame pool, so it is
// never a simulated frame (a DMA through it touches nothing).
mm::phys_addr_t huge_phys(int slot) { return (1ULL << 30) + slot * mm::PMD_SIZE; }

}  // namespace

FreePathWorld::FreePathWorld(WorldOptions opts) : opts_(std::move(opts)) {
  design_ = find_design(opts_.design);
  if (design_ == nullptr) throw std::invalid_argument("unknown design '" + opts_.design + "'");
  reset_design_state();
  mm::KernelOptions ko;
  ko.levels = opts_.levels;
  ko.frames.capacity = opts_.frames;
  ko.frames.quarantine = opts_.quarantine;
  ko.boot_ram_bytes = 0;
  ko.async_kernel_pgtable_free = opts_.async_kernel_pgtable_free;
  ko.profile = opts_.kernel;
  kernel_ = std::make_unique<mm::Kernel>(ko);
  kscope_ = std::make_unique<mm::KernelScope>(kernel_.get());
  // Bind synchronously: the bind's own flushes run on the host before any agent exists.
  iommu_ = std::make_unique<iommu::IommuSystem>(iommu::IommuOptions{iommu::HwMode::kSynchronous});
  iscope_ = std::make_unique<iommu::IommuScope>(iommu_.get());
  iommu_->install_kernel_hooks(*kernel_);
  build_devices();
  for (int i = 0; i < std::max(opts_.processes, 1); ++i) {
    procs_.push_back(kernel_->mm_alloc("proc" + std::to_string(i)));
  }
  for (iommu::Device* d : devices_) boot_handles_.push_back(iommu::iommu_sva_bind_device(d, procs_[0]));
  if (procs_[0]->iommu_mm.load()) pasid_ = procs_[0]->iommu_mm.load()->pasid;
  build_slots();
  iommu_->set_mode(opts_.hw_mode);
  if (design_->pagetable_free_kernel) {
    kernel_->hooks().pagetable_free_kernel = design_->pagetable_free_kernel;
  }
}

FreePathWorld::~FreePathWorld() {
  pool_.reset();
  iscope_.reset();
  iommu_.reset();
  kscope_.reset();
  kernel_.reset();
}

void FreePathWorld::build_devices() {
  int units = std::clamp(opts_.units, 1, 3);
  for (int u = 0; u < units; ++u) units_.push_back(iommu_->add_unit("dmar" + std::to_string(u)));
  std::vector<WorldOptions::DeviceSpec> specs = opts_.device_specs;
  if (specs.empty()) {
    for (int i = 0; i < opts_.devices; ++i) specs.push_back({0, i < opts_.ats_devices});
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    iommu::IntelIommu* unit = units_[size_t(specs[i].unit) % units_.size()];
    devices_.push_back(iommu_->add_device(unit, "dev" + std::to_string(i), specs[i].ats));
  }
}

std::vector<std::string> FreePathWorld::daemon_names() const {
  std::vector<std::string> names{"kworker"};
  if (opts_.hw_mode == iommu::HwMode::kAgent) {
    for (iommu::IntelIommu* u : units_) names.push_back("iommu/" + u->name());
  }
  return names;
}

void FreePathWorld::build_slots() {
  for (int i = 0; i < opts_.kernel_slots; ++i) {
    mm::ptdesc* data = mm::__get_free_page("FreePathWorld slot data");
    uint64_t va = slot_base(i);
    if (!data || mm::vmap_range_noflush(va, va + mm::PAGE_SIZE, data->phys(), mm::__PAGE_KERNEL,
                                        mm::PAGE_SHIFT) != 0) {
      throw std::runtime_error("FreePathWorld: cannot map kernel slot (frame pool too small?)");
    }
    mm::pteval_t* pmd = pmd_slot(va);
    slot_pmds_.push_back(pmd);
    slot_tables_.push_back(mm::entry_to_ptdesc(mm::read_entry(pmd)));
  }
}

// init_mm's PMD entry for va. Host only (its reads are scheduling points).
mm::pteval_t* FreePathWorld::pmd_slot(uint64_t va) {
  mm::pteval_t* e = mm::pgd_offset_k(va);
  for (int level = kernel_->levels(); level > mm::kPmd; --level) {
    e = mm::table_offset(mm::read_entry(e), level - 1, va);
  }
  return e;
}

uint64_t FreePathWorld::kva(int slot) const { return slot_base(slot); }

void FreePathWorld::start(sync::Runtime* rt) {
  pool_ = std::make_unique<sync::WorkerPool>(rt);
  if (opts_.hw_mode == iommu::HwMode::kAgent) {
    threaded_ = dynamic_cast<threads::ThreadsRuntime*>(rt) != nullptr;
    for (iommu::IntelIommu* u : units_) {
      rt->spawn("iommu/" + u->name(), [this, u] { iommu_agent(u); }, true);
    }
  }
}

sync::AgentId FreePathWorld::spawn(sync::Runtime* rt, std::string name, std::function<void()> fn) {
  live_.fetch_add(1, std::memory_order_acq_rel);
  return rt->spawn(std::move(name), [this, fn = std::move(fn)] {
    struct Done {
      std::atomic<int>* live;
      ~Done() { live->fetch_sub(1, std::memory_order_acq_rel); }
    } done{&live_};
    fn();
  }, false);
}

sync::workqueue_struct* FreePathWorld::system_wq_of_world() {
  return pool_ ? pool_->wq() : nullptr;
}

// Idle: nothing queued and no work function running. Once every scenario agent finished, only
// the kworker can submit invalidations, and only from a work function.
bool FreePathWorld::kworker_idle() {
  sync::workqueue_struct* wq = pool_->wq();
  sync::spin_lock(&wq->lock);
  bool idle = wq->worklist.next == &wq->worklist && wq->current_work == nullptr;
  sync::spin_unlock(&wq->lock);
  return idle;
}

// A unit's invalidation hardware as an agent: processes descriptors as they come, and leaves
// once no one can submit any more (every scenario agent done, kworker idle, its queue empty).
// A daemon, so it never keeps a blocked execution alive.
//
// With an empty queue it sleeps until qi_queue() wakes it: polling an empty queue changes no
// state any other agent can observe (the hardware reads only its own queue), so those polls
// were scheduling points that offered no interleaving of their own, yet they were most of an
// execution's points (docs/scheduler.md, "Idle hardware sleeps"). Every descriptor push wakes
// it, and the push and the empty check are each done with no point in between, so no wake-up
// is lost; the scheduler still decides when a woken unit runs, as it decided when a polling
// one did. A queue whose head is a wait that cannot complete yet (a walk or a translated DMA
// still in flight) is polled as before: what it waits for is not a queue push.
void FreePathWorld::iommu_agent(iommu::IntelIommu* unit) {
  for (;;) {
    if (unit->process_one()) continue;
    if (live_.load(std::memory_order_acquire) == 0 && kworker_idle() &&
        unit->queue_depth() == 0) {
      return;
    }
    if (unit->queue_depth() == 0) {
      sync::wait_on(unit);
      continue;
    }
    sync::yield_point();
    if (threaded_) sched_yield();   // real threads: do not burn a core while spinning
  }
}

int FreePathWorld::huge_promote(int slot) {
  uint64_t va = slot_base(slot);
  return mm::vmap_try_huge_pmd(slot_pmds_.at(slot), va, va + mm::PMD_SIZE, huge_phys(slot),
                               mm::__PAGE_KERNEL, mm::PMD_SHIFT);
}

iommu::DmaResult FreePathWorld::dma_kernel(int dev, int slot) {
  return devices_.at(dev)->dma_read(pasid_, kva(slot));
}

iommu::DmaResult FreePathWorld::dma_user(int dev, uint64_t va) {
  return devices_.at(dev)->dma_read(pasid_, va);
}

iommu::Translation FreePathWorld::prefetch_kernel(int dev, int slot) {
  iommu::Device* d = devices_.at(dev);
  return d->unit().speculative_walk(*d, pasid_, kva(slot));
}

}  // namespace svafuzz::free
