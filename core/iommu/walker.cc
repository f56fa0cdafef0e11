// The first-stage walker of a VT-d unit (VT-d spec §3.6 first-stage translation, which uses the
// x86 paging formats of SDM Vol. 3A §4.5; caching per §6.2.4 and SDM §4.10.2-4.10.3).
//
// Order of a translation: IOTLB; else the deepest paging-structure-cache hit (PDE, PDPE,
// PML4E, PML5E) gives the table to resume from with the cached combined permissions; else the
// root (FLPTPTR). Each table entry is read from the simulated frame with READ_ONCE, and the
// frame is then checked with frame_check_table(_gen): a cached pointer into a freed, poisoned
// frame is an AddressSanitizer report at the read; into a reused frame, a frame-check finding
// after it. Non-leaf entries are cached on the way down (before any U/S or R/W fault is
// known); the leaf is cached only when the access is permitted.
#include <cstdio>

#include "core/iommu/device.h"
#include "core/iommu/iommu.h"
#include "core/mm/frame_check.h"
#include "core/mm/kernel.h"
#include "core/mm/pgtable.h"
#include "core/sync/finding.h"

namespace svafuzz::iommu {

using mm::pteval_t;

const char* fault_name(Fault f) {
  switch (f) {
    case Fault::kNone: return "none";
    case Fault::kPasidNotPresent: return "pasid-not-present";
    case Fault::kNonCanonical: return "non-canonical";
    case Fault::kNotPresent: return "not-present";
    case Fault::kUserSupervisor: return "user-supervisor";
    case Fault::kWrite: return "write";
    case Fault::kBadTable: return "bad-table";
  }
  return "?";
}

struct IntelIommu::WalkCtx {
  PasidEntry pe;
  uint32_t pasid = 0;
  uint64_t va = 0;
  Access acc = Access::kRead;
  bool speculative = false;
  int levels = 4;
  uint64_t start_seq = 0;
  mm::mm_struct* table_owner = nullptr;   // init_mm for the kernel half, else the PASID's mm
};

namespace {

Translation fault(Fault f) {
  Translation t;
  t.fault = f;
  return t;
}

// Hardware's locked update of A/D: only if the entry still holds the value the walk read.
bool set_entry_flags(pteval_t* slot, pteval_t seen, pteval_t flags) {
  if ((seen & flags) == flags) return true;
  sync::point(sync::Event{sync::EventKind::kAtomic, slot, SVAFUZZ_HERE});
  return __atomic_compare_exchange_n(slot, &seen, seen | flags, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_RELAXED);
}

Fault access_fault(const Perms& p, Access acc) {
  if (!p.us) return Fault::kUserSupervisor;   // SRE=0: every request is a user request
  if (acc == Access::kWrite && !p.rw) return Fault::kWrite;
  return Fault::kNone;
}

mm::phys_addr_t leaf_pa(pteval_t e, int level, uint64_t va) {
  uint64_t mask = mm::level_size(level) - 1;
  return (mm::entry_phys(e) & ~mask) | (va & mask);
}

}  // namespace

void IntelIommu::end_walk(uint64_t start_seq) {
  std::lock_guard<std::mutex> g(hw_mu_);
  walks_in_flight_.erase(walks_in_flight_.find(start_seq));
}

bool IntelIommu::fill_allowed(uint64_t start_seq) const { return last_inval_seq_ < start_seq; }

void IntelIommu::fill_iotlb(const WalkCtx& c, const IotlbEntry& e) {
  CacheFill f{CacheKind::kIotlb, e.key.level, c.pe.did, c.pasid, c.va, e.pa_base};
  if (!sys_->policy().cache(f)) return;
  std::lock_guard<std::mutex> g(hw_mu_);
  if (fill_allowed(c.start_seq)) iotlb_.insert(e);
}

void IntelIommu::fill_psc(const WalkCtx& c, const PscEntry& e) {
  CacheFill f{CacheKind::kPsc, e.key.level, c.pe.did, c.pasid, c.va, e.next_pa};
  if (!sys_->policy().cache(f)) return;
  std::lock_guard<std::mutex> g(hw_mu_);
  if (fill_allowed(c.start_seq)) psc_.insert(e);
}

// The table to start from: the deepest PSC hit, else the root.
struct Start {
  mm::phys_addr_t table = 0;
  int level = 0;
  Perms perms;
  bool cached = false;
  uint64_t gen = 0;
  mm::mm_struct* owner = nullptr;
};

Translation IntelIommu::walk(WalkCtx& c) {
  Start s{c.pe.flptptr, c.levels, Perms{}, false, 0, c.pe.mm};
  sync::point(sync::Event{sync::EventKind::kIommuWalk, this, SVAFUZZ_HERE});
  {
    std::lock_guard<std::mutex> g(hw_mu_);
    for (int level = mm::kPmd; level <= c.levels; ++level) {
      if (const PscEntry* e = psc_.lookup(c.pe.did, c.pasid, level, c.va)) {
        s = Start{e->next_pa, level - 1, e->perms, true, e->next_gen, e->next_owner};
        break;
      }
    }
  }
  mm::FrameDb& frames = mm::kernel().frames();
  mm::phys_addr_t table = s.table;
  int level = s.level;
  Perms perms = s.perms;
  bool cached = s.cached;
  mm::mm_struct* owner = s.owner;
  for (;;) {
    mm::ptdesc* pt = frames.phys_to_ptdesc(table);
    if (!pt) {
      mm::frame_check_table(table, level, owner, "IOMMU first-stage walk");
      return fault(Fault::kBadTable);
    }
    pteval_t* slot = mm::table_slot(pt, mm::pt_index(c.va, level));
    pteval_t e = mm::read_entry(slot);   // a stale pointer into a freed frame: ASan here
    bool ok = cached ? mm::frame_check_table_gen(table, level, owner, s.gen,
                                                 "IOMMU walk via cached paging-structure entry")
                     : mm::frame_check_table(table, level, owner, "IOMMU first-stage walk");
    if (!ok) return fault(Fault::kBadTable);
    if (!mm::entry_present(e)) return fault(Fault::kNotPresent);
    Perms p = perms;
    p.combine(e);
    if (mm::entry_is_leaf(e, level)) {
      Fault f = access_fault(p, c.acc);
      if (f != Fault::kNone) return fault(f);   // faulting translations are not cached
      pteval_t flags = mm::_PAGE_ACCESSED | (c.acc == Access::kWrite ? mm::_PAGE_DIRTY : 0);
      if (!set_entry_flags(slot, e, flags)) continue;   // entry changed: re-read this level
      IotlbEntry ie;
      ie.key = cache_key(c.pe.did, c.pasid, level, c.va);
      ie.va_base = c.va & ~(mm::level_size(level) - 1);
      ie.pa_base = leaf_pa(e, level, 0);
      ie.perms = p;
      ie.dirty = (e | flags) & mm::_PAGE_DIRTY;
      ie.data_seq = c.start_seq;
      ie.space = c.pe.mm;
      fill_iotlb(c, ie);
      Translation t;
      t.pa = leaf_pa(e, level, c.va);
      t.perms = p;
      t.page_level = level;
      return t;
    }
    if (!set_entry_flags(slot, e, mm::_PAGE_ACCESSED)) continue;
    mm::phys_addr_t next = mm::entry_phys(e);
    mm::ptdesc* np = frames.phys_to_ptdesc(next);
    PscEntry pe;
    pe.key = cache_key(c.pe.did, c.pasid, level, c.va);
    pe.va_base = c.va & ~(mm::level_size(level) - 1);
    pe.next_pa = next;
    pe.next_gen = np ? np->generation.load(std::memory_order_relaxed) : 0;
    pe.next_owner = c.table_owner;
    pe.perms = p;
    pe.data_seq = c.start_seq;
    pe.space = c.pe.mm;
    fill_psc(c, pe);
    table = next;
    level--;
    perms = p;
    cached = false;
    owner = c.table_owner;
  }
}

Translation IntelIommu::do_translate(const Device& dev, uint32_t pasid, uint64_t va,
                                     Access acc, bool speculative, uint64_t* hold) {
  if (hold) *hold = 0;
  std::optional<PasidEntry> pe = dev.pasid_entry(pasid);
  if (!pe || !pe->present || pe->pgtt != Pgtt::kFirstStage) return fault(Fault::kPasidNotPresent);
  WalkCtx c;
  c.pe = *pe;
  c.pasid = pasid;
  c.va = va;
  c.acc = acc;
  c.speculative = speculative;
  c.levels = flpm_levels(pe->flpm);
  const mm::KernelLayout& lay = mm::layout_for(c.levels);
  if (!lay.is_canonical(va)) return fault(Fault::kNonCanonical);
  c.table_owner = lay.is_kernel(va) ? &mm::kernel().init_mm() : pe->mm;

  // The request reaches the unit: from here it is in flight (the record, the PASID entry it
  // translates with and the IOTLB lookup are one critical section), until the translation
  // ends, or, with `hold`, until the caller's memory access ends (end_request). The entry is
  // read again here: the read above only answers early faults, and a teardown that cleared
  // the entry since then has waited (or will wait) only for requests in flight.
  sync::point(sync::Event{sync::EventKind::kIommuWalk, this, SVAFUZZ_HERE});
  {
    std::lock_guard<std::mutex> g(hw_mu_);
    std::optional<PasidEntry> now = dev.pasid_entry(pasid);   // lock order: unit, then device
    if (!now || !now->present || now->pgtt != Pgtt::kFirstStage || now->flptptr != pe->flptptr ||
        now->did != pe->did || now->mm != pe->mm) {
      return fault(Fault::kPasidNotPresent);
    }
    c.start_seq = sys_->tick();
    walks_in_flight_.insert(c.start_seq);
    if (const IotlbEntry* e = iotlb_.lookup(pe->did, pasid, va)) {
      bool need_walk = acc == Access::kWrite && !e->dirty;   // D must be set by a walk
      if (!need_walk && access_fault(e->perms, acc) == Fault::kNone) {
        Translation t;
        t.pa = e->pa_base | (va & (mm::level_size(e->key.level) - 1));
        t.perms = e->perms;
        t.page_level = e->key.level;
        t.iotlb_hit = true;
        if (hold) *hold = c.start_seq;
        else walks_in_flight_.erase(walks_in_flight_.find(c.start_seq));
        return t;
      }
    }
  }
  Translation t = walk(c);
  if (hold) *hold = c.start_seq;
  else end_walk(c.start_seq);
  return t;
}

Translation IntelIommu::translate(const Device& dev, uint32_t pasid, uint64_t va, Access acc,
                                  uint64_t* hold) {
  return do_translate(dev, pasid, va, acc, false, hold);
}

Translation IntelIommu::speculative_walk(const Device& dev, uint32_t pasid, uint64_t va) {
  return do_translate(dev, pasid, va, Access::kRead, true, nullptr);
}

void IntelIommu::end_request(uint64_t token) {
  if (token) end_walk(token);
}

}  // namespace svafuzz::iommu
