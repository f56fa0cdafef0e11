// Queued invalidation: the unit's processing of descriptors (VT-d spec §6.5.2) and the
// driver's qi_submit_sync (drivers/iommu/intel/dmar.c).
//
// The hardware processes descriptors in order, one per process_one() step, asynchronously to
// the CPU that queued them. A P_IOTLB removes IOTLB entries of (DID, PASID) in its range and,
// with IH=0, the paging-structure-cache entries for the range too (IH=1 leaves them); a
// PASID-selective one removes everything of (DID, PASID). A PASID-based device-TLB
// invalidation is delivered to the ATS device with that SID; a device-TLB invalidation without
// PASID drops that device's translations of every PASID in the range. A wait descriptor writes its
// status once all earlier descriptors are done and the requests they cover are drained (VT-d
// §6.5.4; intel_iommu.h): no walk or untranslated DMA begun before the last invalidation is
// still in flight, and no ATS device behind the unit still has a translated DMA in flight that
// began before its last device-TLB invalidation.
#include <algorithm>

#include "core/iommu/device.h"
#include "core/iommu/iommu.h"
#include "core/iommu/qi.h"
#include "core/sync/once.h"
#include "core/sync/runtime.h"
#include "core/sync/spinlock.h"

namespace svafuzz::iommu {
namespace {

constexpr size_t kLogCap = 4096;

template <class T>
void push_capped(std::deque<T>& q, const T& v) {
  q.push_back(v);
  if (q.size() > kLogCap) q.pop_front();
}

bool piotlb_hits(const QiDecoded& d, const CacheKey& k, uint64_t va_base) {
  if (k.did != d.did || k.pasid != d.pasid) return false;
  if (d.all) return true;
  uint64_t first, last;
  level_range(va_base, k.level, &first, &last);
  return ranges_overlap(first, last, d.first, d.last);
}

}  // namespace

void IntelIommu::qi_queue(const qi_desc* descs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    sync::point(sync::Event{sync::EventKind::kInvalidate, this, SVAFUZZ_HERE});
    {
      std::lock_guard<std::mutex> g(hw_mu_);
      queue_.push_back(descs[i]);
      push_capped(submitted_, descs[i]);
    }
    sync::wake_up(this);   // the unit's agent sleeps on an empty queue (FreePathWorld)
  }
}

void IntelIommu::apply(const QiDecoded& d) {
  switch (d.kind) {
    case QiKind::kPiotlb:
      iotlb_.erase_if([&](const IotlbEntry& e) { return piotlb_hits(d, e.key, e.va_base); });
      if (d.all || (!d.ih && !defects_.psi_keeps_psc)) {
        psc_.erase_if([&](const PscEntry& e) { return piotlb_hits(d, e.key, e.va_base); });
      }
      break;
    case QiKind::kPasidDevTlb:
      if (Device* dev = device_by_sid(d.sid)) {
        dev->devtlb_invalidate(d.pasid, d.first, d.last, sys_->now());
      }
      break;
    case QiKind::kDevTlb:
      if (Device* dev = device_by_sid(d.sid)) {
        dev->devtlb_invalidate_all_pasids(d.first, d.last, sys_->now());
      }
      break;
    default: break;
  }
}

bool IntelIommu::wait_can_complete() const {
  if (!walks_in_flight_.empty() && *walks_in_flight_.begin() <= last_inval_seq_) return false;
  for (const Device* dev : devices_) {
    if (!dev->translated_drained()) return false;   // lock order: unit hw lock, then device
  }
  return true;
}

bool IntelIommu::process_one() {
  sync::point(sync::Event{sync::EventKind::kInvalidate, this, SVAFUZZ_HERE});
  QiDecoded d;
  {
    std::lock_guard<std::mutex> g(hw_mu_);
    if (queue_.empty()) return false;
    d = qi_decode(queue_.front());
    if (d.kind == QiKind::kWait && !wait_can_complete()) return false;
    queue_.pop_front();
    uint64_t seq = sys_->tick();
    if (d.kind == QiKind::kWait) {
      last_wait_seq_ = seq;
    } else {
      last_inval_seq_ = seq;
      apply(d);
      push_capped(inval_log_, InvalRecord{seq, d});
    }
  }
  if (d.kind == QiKind::kWait && d.status_write && d.status) {
    WRITE_ONCE(*d.status, d.status_data);
  }
  return true;
}

size_t IntelIommu::process_all() {
  size_t n = 0;
  while (process_one()) ++n;
  return n;
}

size_t IntelIommu::queue_depth() const {
  std::lock_guard<std::mutex> g(hw_mu_);
  return queue_.size();
}

void qi_submit_sync(IntelIommu* iommu, const qi_desc* descs, size_t count,
                    unsigned long options) {
  (void)options;
  unsigned long flags;
  spin_lock_irqsave(&iommu->qi_lock, flags);
  unsigned wait_index = iommu->wait_index;
  iommu->wait_index = (wait_index + 1) % IntelIommu::kQiStatusSlots;
  uint32_t* status = &iommu->desc_status[wait_index];
  WRITE_ONCE(*status, QI_IN_USE);
  std::vector<qi_desc> batch(descs, descs + count);
  batch.push_back(qi_desc_wait(status));
  iommu->qi_queue(batch.data(), batch.size());
  while (READ_ONCE(*status) != QI_DONE) {
    spin_unlock_irqrestore(&iommu->qi_lock, flags);
    if (iommu->system().hw_runs_inline()) {
      iommu->process_one();
    } else {
      sync::yield_point();   // cpu_relax()
    }
    spin_lock_irqsave(&iommu->qi_lock, flags);
  }
  WRITE_ONCE(*status, QI_FREE);
  spin_unlock_irqrestore(&iommu->qi_lock, flags);
}

}  // namespace svafuzz::iommu
