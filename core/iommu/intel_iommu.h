// One VT-d remapping unit (struct intel_iommu): its IOTLB and first-stage paging-structure
// caches, its invalidation queue, its domain-ID space and the devices behind it.
//
// Concurrency: a unit is touched by walker agents (devices issuing DMA, speculative walks) and
// by an invalidation agent (process_one) at once. Its caches and queue are hardware-internal
// state protected by `hw_mu_`, a host std::mutex, on purpose: hardware takes no kernel locks,
// has no preemption count and cannot sleep, so a facade spinlock would add kernel semantics
// (might_sleep context, scheduling points) the hardware does not have. The mutex is never
// held across a scheduling point (critical sections are pure bookkeeping), so the controlled
// scheduler can never switch away from an agent holding it. Page-table entries are read with
// READ_ONCE and written (A/D) with an atomic compare-and-swap, outside that mutex.
//
// In-flight requests: a walk that began before an invalidation was processed may still hold a
// stale pointer, and a DMA translated before it may still be on its way to memory. The model
// (a) drops any fill of a walk that overlapped an invalidation and (b) completes an
// invalidation-wait only once no request begun before the last processed invalidation is still
// running: neither a walk, nor an untranslated DMA between its IOTLB lookup and the end of its
// memory access (translate's `hold`). That is VT-d's draining (spec rev 5.10 §6.5.4, "Draining of
// Requests to Memory": "Read and write draining of untranslated requests are performed on all
// PASID based IOTLB invalidation requests, where draining is completed before the next
// Invalidation Wait Descriptor (inv_wait_dsc) is completed by hardware"). Translated requests
// of ATS devices are drained by the device before its ATS invalidation completion (same
// section), which the model checks per device (Device::translated_drained). A request that
// begins after the invalidation is never held: nothing the kernel relies on needs it.
#pragma once
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/iommu/cache_policy.h"
#include "core/iommu/iotlb.h"
#include "core/iommu/pasid.h"
#include "core/iommu/psc.h"
#include "core/iommu/qi_desc.h"
#include "core/sync/spinlock.h"

namespace svafuzz::iommu {

class Device;
class IommuSystem;

enum class Access : uint8_t { kRead, kWrite };

enum class Fault : uint8_t {
  kNone = 0,
  kPasidNotPresent,   // no PASID entry (SM fault: PASID entry not present)
  kNonCanonical,      // address not canonical for FLPM
  kNotPresent,        // first-stage entry with P=0
  kUserSupervisor,    // user request (SRE off) and U/S=0 somewhere on the path
  kWrite,             // write request and R/W=0 somewhere on the path
  kBadTable,          // the walk entered a frame that is not the expected table (reported)
};
const char* fault_name(Fault f);

struct Translation {
  Fault fault = Fault::kNone;
  mm::phys_addr_t pa = 0;
  Perms perms;
  int page_level = 0;     // 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB
  bool iotlb_hit = false;
  bool ok() const { return fault == Fault::kNone; }
};

// One processed invalidation, for the oracle's ledger.
struct InvalRecord {
  uint64_t seq = 0;     // system clock when the unit processed it
  QiDecoded d;
};

// Planted hardware defects, for testing the tester only (the oracle must report each). All
// off by default; no harness or fuzzer decodes them from input.
struct HwDefects {
  bool psi_keeps_psc = false;   // page-selective P_IOTLB ignores IH=0: PSC entries survive
};

class IntelIommu {
 public:
  static constexpr unsigned kQiStatusSlots = 256;

  IntelIommu(IommuSystem* sys, std::string name);
  IntelIommu(const IntelIommu&) = delete;
  IntelIommu& operator=(const IntelIommu&) = delete;

  const std::string& name() const { return name_; }
  IommuSystem& system() const { return *sys_; }

  // ---- Translation (walker.cc) ----
  // Translates a DMA request of `dev` at (pasid, va). SRE is off, so the request is a user
  // access. Consults the IOTLB, then the deepest paging-structure-cache hit, then walks the
  // tables with READ_ONCE (a stale cached pointer into a freed frame is an ASan report at that
  // read; into a reused frame, a frame-check finding). Fills caches as the CachePolicy allows;
  // faulting translations are not put in the IOTLB, intermediate entries are. Sets A (and D on
  // writes) with atomic compare-and-swap. Scheduling points: kIommuWalk per cache lookup, kRead
  // per entry, kAtomic per A/D update. Locks: none held by the caller.
  // With `hold` (an untranslated DMA), the request stays in flight after the translation, until
  // the caller's memory access is done and it calls end_request(*hold); *hold is 0 when the
  // request faulted before it reached the caches (PASID entry, canonical check).
  Translation translate(const Device& dev, uint32_t pasid, uint64_t va, Access acc,
                        uint64_t* hold = nullptr);
  // A speculative walk (prefetch) of va: as translate() for a read, with no DMA and no fault
  // report; it may fill caches.
  Translation speculative_walk(const Device& dev, uint32_t pasid, uint64_t va);
  // Ends a request translate() held in flight (token 0: nothing held). No scheduling point;
  // locks: none held by the caller.
  void end_request(uint64_t token);

  // ---- Queued invalidation (qi.cc) ----
  // The kernel side's tail-register write: appends descriptors to the queue. Scheduling point:
  // kInvalidate per descriptor.
  void qi_queue(const qi_desc* descs, size_t n);
  // Hardware: processes the descriptor at the head of the queue. Returns false when the queue
  // is empty or the head is a wait that cannot complete yet. Scheduling point: kInvalidate
  // (before touching the queue); a wait's status write is a WRITE_ONCE.
  bool process_one();
  // Processes until the queue is empty or blocked; returns the number processed.
  size_t process_all();
  size_t queue_depth() const;

  // qi_submit_sync's status slots (qi->desc_status) and its lock (qi->q_lock). The lock and
  // the slots belong to the kernel driver side.
  sync::spinlock_t qi_lock{"qi->q_lock"};
  uint32_t desc_status[kQiStatusSlots] = {};
  unsigned wait_index = 0;   // protected by qi_lock

  // ---- Driver bookkeeping ----
  // Domain IDs for non-SVA domains: 2.. (DID 0 is reserved with caching mode; 1 is
  // FLPT_DEFAULT_DID, shared by every SVA domain).
  uint16_t alloc_did();
  void attach_device(Device* dev);
  Device* device_by_sid(uint16_t sid) const;

  // ---- Introspection (tests, oracle). Copies taken under the internal lock. ----
  std::vector<IotlbEntry> iotlb_snapshot() const;
  std::vector<PscEntry> psc_snapshot() const;
  std::vector<InvalRecord> inval_log() const;
  uint64_t last_wait_seq() const;          // clock of the last completed wait
  std::vector<qi_desc> submitted() const;  // every descriptor queued (bounded history)
  size_t iotlb_size() const;
  size_t psc_size() const;
  // Drops every cache entry (a model reset; hardware may evict at any time).
  void evict_all();
  // Test-only: plant a hardware defect (see HwDefects). Set before any agent runs.
  void set_defects(const HwDefects& d) { defects_ = d; }

 private:
  friend class Walk;
  struct WalkCtx;

  Translation do_translate(const Device& dev, uint32_t pasid, uint64_t va, Access acc,
                           bool speculative, uint64_t* hold);
  Translation walk(WalkCtx& c);
  void end_walk(uint64_t start_seq);
  bool fill_allowed(uint64_t start_seq) const;   // hw_mu_ held
  void fill_iotlb(const WalkCtx& c, const IotlbEntry& e);
  void fill_psc(const WalkCtx& c, const PscEntry& e);
  void apply(const QiDecoded& d);                // hw_mu_ held
  bool wait_can_complete() const;                // hw_mu_ held

  IommuSystem* sys_;
  std::string name_;
  std::vector<Device*> devices_;

  mutable std::mutex hw_mu_;   // hardware-internal: caches, queue, epochs, logs
  Iotlb iotlb_;
  PagingStructureCache psc_;
  std::deque<qi_desc> queue_;
  std::multiset<uint64_t> walks_in_flight_;   // start clocks of walks and untranslated DMA
  uint64_t last_inval_seq_ = 0;
  uint64_t last_wait_seq_ = 0;
  std::deque<InvalRecord> inval_log_;
  std::deque<qi_desc> submitted_;
  uint16_t next_did_ = 2;
  HwDefects defects_;
};

}  // namespace svafuzz::iommu
