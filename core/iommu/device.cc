// Devices: PASID table, ATS device TLB, and DMA that touches the target frame.
#include "core/iommu/device.h"

#include <algorithm>
#include <cstdio>

#include "core/iommu/iommu.h"
#include "core/mm/frame_check.h"
#include "core/mm/kernel.h"
#include "core/mm/model_defects.h"
#include "core/sync/finding.h"
#include "core/sync/once.h"

namespace svafuzz::iommu {

Device::Device(IntelIommu* unit, uint16_t sid, std::string name, bool ats)
    : unit_(unit), sid_(sid), name_(std::move(name)), ats_(ats) {}

void Device::set_pasid_entry(uint32_t pasid, const PasidEntry& pe) {
  std::lock_guard<std::mutex> g(mu_);
  pasid_table_[pasid] = pe;
}

void Device::clear_pasid_entry(uint32_t pasid) {
  std::lock_guard<std::mutex> g(mu_);
  pasid_table_.erase(pasid);
}

std::optional<PasidEntry> Device::pasid_entry(uint32_t pasid) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = pasid_table_.find(pasid);
  if (it == pasid_table_.end()) return std::nullopt;
  return it->second;
}

// A DMA's in-flight record (draining, device.h): the unit's token for an untranslated request,
// or the device's own for a translated (ATS) one, taken where the request reaches the IOTLB or
// the device TLB and released when its memory access is done. The planted defect no-dma-drain
// takes none, so waits complete while the DMA is still on its way to memory.
struct Device::InFlight {
  explicit InFlight(Device* d) : dev(d) {}
  ~InFlight() {
    if (unit_token) dev->unit_->end_request(unit_token);
    if (dev_token) dev->end_translated(dev_token);
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  Device* dev;
  uint64_t unit_token = 0;
  uint64_t dev_token = 0;
};

// The device TLB's lookup; a hit starts the translated DMA's in-flight record (`hold`) in the
// same critical section, so no invalidation can slip between the two.
std::optional<Translation> Device::devtlb_lookup(uint32_t pasid, uint64_t va, Access acc,
                                                 uint64_t* hold) {
  std::lock_guard<std::mutex> g(mu_);
  const IotlbEntry* e = devtlb_.lookup(0, pasid, va);
  if (!e) return std::nullopt;
  if (!e->perms.us || (acc == Access::kWrite && (!e->perms.rw || !e->dirty))) return std::nullopt;
  Translation t;
  t.pa = e->pa_base | (va & (mm::level_size(e->key.level) - 1));
  t.perms = e->perms;
  t.page_level = e->key.level;
  if (hold) *hold = hold_locked();
  return t;
}

// The ATS translation completion of a request sent at `data_seq`. If a device-TLB invalidation
// arrived while the request was outstanding, the completion is discarded (false: the device
// asks again), so it can be neither cached nor used. Otherwise the translation is cached (if
// the cache policy allows) and the DMA's in-flight record starts (`hold`).
bool Device::ats_complete(uint32_t pasid, uint64_t va, const Translation& tr, uint64_t data_seq,
                          uint64_t* hold) {
  CacheFill f{CacheKind::kDevTlb, tr.page_level, 0, pasid, va, tr.pa};
  bool cache = unit_->system().policy().cache(f);
  std::optional<PasidEntry> pe = pasid_entry(pasid);
  IotlbEntry e;
  e.key = cache_key(0, pasid, tr.page_level, va);
  e.va_base = va & ~(mm::level_size(tr.page_level) - 1);
  e.pa_base = tr.pa & ~(mm::level_size(tr.page_level) - 1);
  e.perms = tr.perms;
  e.dirty = true;   // the device asked for write permission only with a write
  e.data_seq = data_seq;
  e.space = pe ? pe->mm : nullptr;
  std::lock_guard<std::mutex> g(mu_);
  if (last_devtlb_inval_ >= data_seq) return false;
  if (cache) devtlb_.insert(e);
  if (hold) *hold = hold_locked();
  return true;
}

Translation Device::translate(uint32_t pasid, uint64_t va, Access acc, bool* devtlb_hit,
                              InFlight* req) {
  *devtlb_hit = false;
  bool drain = !mm::model_defects().no_dma_drain;
  if (!ats_) return unit_->translate(*this, pasid, va, acc, drain ? &req->unit_token : nullptr);
  uint64_t* hold = drain ? &req->dev_token : nullptr;
  for (;;) {
    if (std::optional<Translation> t = devtlb_lookup(pasid, va, acc, hold)) {
      *devtlb_hit = true;
      return *t;
    }
    uint64_t start = unit_->system().tick();   // ATS translation request
    Translation t = unit_->translate(*this, pasid, va, acc);
    if (!t.ok()) return t;
    Translation cached = t;
    cached.perms.rw = cached.perms.rw && acc == Access::kWrite;
    if (ats_complete(pasid, va, cached, start, hold)) return t;
  }
}

uint64_t* Device::target_word(mm::phys_addr_t pa) const {
  mm::ptdesc* pt = mm::kernel().frames().phys_to_ptdesc(pa);
  if (!pt) return nullptr;
  return pt->entries() + ((pa & (mm::PAGE_SIZE - 1)) >> 3);
}

// After the access, so AddressSanitizer reports a poisoned frame at the access first: a DMA
// lands only in data pages (user memory; a kernel address faults on U/S), so a target frame
// that is free (builds without ASan) or has been reused as a page table is a frame-check
// finding, as a walker's table check is.
void Device::check_target(mm::phys_addr_t pa, const char* what) const {
  mm::ptdesc* pt = mm::kernel().frames().phys_to_ptdesc(pa);
  if (!pt || pt->use.load(std::memory_order_acquire) == mm::FrameUse::kData) return;
  char buf[64];
  std::snprintf(buf, sizeof buf, " at pa 0x%llx", static_cast<unsigned long long>(pa));
  report_frame_finding(Detector::kFrameCheck, std::string(what) + " by " + name_ + buf +
                           " into a frame that is no longer data: " + mm::describe_frame(pt),
                       mm::frame_snapshot(pt, /*table_walk=*/false), "");
}

uint64_t Device::hold_locked() {
  uint64_t s = unit_->system().tick();
  translated_in_flight_.insert(s);
  return s;
}

void Device::end_translated(uint64_t start) {
  std::lock_guard<std::mutex> g(mu_);
  translated_in_flight_.erase(translated_in_flight_.find(start));
}

bool Device::translated_drained() const {
  std::lock_guard<std::mutex> g(mu_);
  return translated_in_flight_.empty() || *translated_in_flight_.begin() > last_devtlb_inval_;
}

DmaResult Device::dma_read(uint32_t pasid, uint64_t va) {
  InFlight req(this);
  DmaResult r;
  r.tr = translate(pasid, va, Access::kRead, &r.devtlb_hit, &req);
  if (!r.ok()) return r;
  if (uint64_t* w = target_word(r.tr.pa)) {
    sync::point(sync::Event{sync::EventKind::kDma, w, SVAFUZZ_HERE});
    r.value = READ_ONCE(*w);   // a stale translation to a freed frame: ASan here
    check_target(r.tr.pa, "dma_read");
  }
  return r;
}

DmaResult Device::dma_write(uint32_t pasid, uint64_t va, uint64_t value) {
  InFlight req(this);
  DmaResult r;
  r.tr = translate(pasid, va, Access::kWrite, &r.devtlb_hit, &req);
  if (!r.ok()) return r;
  if (uint64_t* w = target_word(r.tr.pa)) {
    sync::point(sync::Event{sync::EventKind::kDma, w, SVAFUZZ_HERE});
    WRITE_ONCE(*w, value);
    r.value = value;
    check_target(r.tr.pa, "dma_write");
  }
  return r;
}

void Device::devtlb_erase(bool any_pasid, uint32_t pasid, uint64_t first, uint64_t last,
                          uint64_t seq) {
  std::lock_guard<std::mutex> g(mu_);
  // Stamped under mu_, so a DMA that a lookup holds (hold_locked, also under mu_) is either
  // before the stamp (and drained) or after the erase.
  last_devtlb_inval_ = std::max(seq, unit_->system().tick());
  devtlb_.erase_if([&](const IotlbEntry& e) {
    if (!any_pasid && e.key.pasid != pasid) return false;
    uint64_t f, l;
    level_range(e.va_base, e.key.level, &f, &l);
    return ranges_overlap(f, l, first, last);
  });
}

void Device::devtlb_invalidate(uint32_t pasid, uint64_t first, uint64_t last, uint64_t seq) {
  devtlb_erase(false, pasid, first, last, seq);
}

void Device::devtlb_invalidate_all_pasids(uint64_t first, uint64_t last, uint64_t seq) {
  devtlb_erase(true, 0, first, last, seq);
}

std::vector<IotlbEntry> Device::devtlb_snapshot() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<IotlbEntry> v;
  devtlb_.for_each([&](const IotlbEntry& e) { v.push_back(e); });
  return v;
}

size_t Device::devtlb_size() const {
  std::lock_guard<std::mutex> g(mu_);
  return devtlb_.size();
}

void Device::devtlb_evict_all() {
  std::lock_guard<std::mutex> g(mu_);
  devtlb_.clear();
}

}  // namespace svafuzz::iommu
