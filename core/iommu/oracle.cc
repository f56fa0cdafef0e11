// The cache oracle: reference walks of the current tables and the pending-change ledger.
#include "core/iommu/oracle.h"

#include <cstdio>
#include <vector>

#include "core/iommu/iommu.h"
#include "core/mm/kernel.h"
#include "core/sync/finding.h"

namespace svafuzz::iommu {
namespace {

using mm::pteval_t;

// The entry at `level` on the path of va in `space`'s tables, with the combined permissions
// down to it; valid=false when the path ends earlier (not present, a leaf above, a frame that
// is not a live table).
struct RefEntry {
  bool valid = false;
  pteval_t e = 0;
  Perms perms;
};

RefEntry ref_entry(const mm::mm_struct* space, uint64_t va, int want_level) {
  RefEntry r;
  if (!space || !space->pgd) return r;
  mm::Kernel& k = mm::kernel();
  mm::ptdesc* pt = space->pgd;
  for (int level = k.levels(); level >= want_level; --level) {
    if (!pt || pt->use.load(std::memory_order_acquire) != mm::FrameUse::kPageTable) return r;
    pteval_t e = __atomic_load_n(pt->entries() + mm::pt_index(va, level), __ATOMIC_ACQUIRE);
    if (!mm::entry_present(e)) return r;
    r.perms.combine(e);
    if (level == want_level) {
      r.valid = true;
      r.e = e;
      return r;
    }
    if (mm::entry_is_leaf(e, level)) return r;
    pt = k.frames().phys_to_ptdesc(mm::entry_phys(e));
  }
  return r;
}

bool psc_agrees(const PscEntry& c) {
  RefEntry r = ref_entry(c.space, c.va_base, c.key.level);
  if (!r.valid || mm::entry_is_leaf(r.e, c.key.level)) return false;
  if (mm::entry_phys(r.e) != c.next_pa || !(r.perms == c.perms)) return false;
  mm::ptdesc* np = mm::kernel().frames().phys_to_ptdesc(c.next_pa);
  return np && np->use.load(std::memory_order_acquire) == mm::FrameUse::kPageTable &&
         np->generation.load(std::memory_order_relaxed) == c.next_gen;
}

// devtlb: the cached R/W may be narrower than the tables' (granted per request).
bool leaf_agrees(const IotlbEntry& c, bool devtlb) {
  RefEntry r = ref_entry(c.space, c.va_base, c.key.level);
  if (!r.valid || !mm::entry_is_leaf(r.e, c.key.level)) return false;
  uint64_t mask = mm::level_size(c.key.level) - 1;
  if ((mm::entry_phys(r.e) & ~mask) != c.pa_base) return false;
  if (devtlb) return r.perms.us == c.perms.us && (!c.perms.rw || r.perms.rw);
  return r.perms == c.perms;
}

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

void IommuOracle::note_change(const mm::mm_struct* space, uint64_t first, uint64_t last) {
  std::lock_guard<std::mutex> g(mu_);
  notes_.push_back(Note{space, first, last, sys_.tick()});
  if (notes_.size() > 4096) notes_.pop_front();
}

namespace {

// What a stale entry needs to know about the ledger.
struct EntryView {
  const mm::mm_struct* space;
  uint64_t first, last;
  uint16_t did;
  uint32_t pasid;
  int sid;          // -1: IOMMU caches; else the device TLB of this SID
  bool psc;
  uint64_t data_seq;
};

bool record_covers(const InvalRecord& r, const EntryView& v) {
  if (v.sid >= 0) {
    bool pasid_ok = (r.d.kind == QiKind::kPasidDevTlb && r.d.pasid == v.pasid) ||
                    r.d.kind == QiKind::kDevTlb;   // without PASID: every PASID
    return pasid_ok && r.d.sid == v.sid && ranges_overlap(r.d.first, r.d.last, v.first, v.last);
  }
  if (r.d.kind != QiKind::kPiotlb || r.d.did != v.did || r.d.pasid != v.pasid) return false;
  if (r.d.all) return true;
  if (v.psc && r.d.ih) return false;
  return ranges_overlap(r.d.first, r.d.last, v.first, v.last);
}

// A covering invalidation processed after `after` and completed by a later wait.
bool covered_since(const std::vector<InvalRecord>& log, uint64_t last_wait, const EntryView& v,
                   uint64_t after) {
  for (const InvalRecord& r : log) {
    if (r.seq > after && r.seq < last_wait && record_covers(r, v)) return true;
  }
  return false;
}

}  // namespace

OracleStats IommuOracle::check() {
  OracleStats st;
  std::deque<Note> notes;
  {
    std::lock_guard<std::mutex> g(mu_);
    notes = notes_;
  }
  mm::mm_struct* init_mm = &mm::kernel().init_mm();
  const mm::KernelLayout& lay = mm::kernel().layout();
  auto judge = [&](const EntryView& v, const std::vector<InvalRecord>& log, uint64_t last_wait,
                   const std::string& what) {
    st.stale++;
    bool explained;
    if (strict_) {
      explained = false;
      for (const Note& n : notes) {
        const mm::mm_struct* ns = n.space;
        bool same = ns == v.space || (ns == init_mm && lay.is_kernel(v.first));
        if (same && ranges_overlap(n.first, n.last, v.first, v.last) &&
            !covered_since(log, last_wait, v, n.seq)) {
          explained = true;
          break;
        }
      }
    } else {
      explained = !covered_since(log, last_wait, v, v.data_seq);
    }
    if (explained) {
      st.pending++;
      return;
    }
    st.findings++;
    report_finding(Detector::kOracle,
                   what + " disagrees with the page tables and no pending change explains it "
                          "(a completed covering invalidation should have removed it)");
  };
  for (const auto& unit : sys_.units()) {
    std::vector<InvalRecord> log = unit->inval_log();
    uint64_t last_wait = unit->last_wait_seq();
    for (const PscEntry& e : unit->psc_snapshot()) {
      st.entries++;
      if (psc_agrees(e)) continue;
      uint64_t f, l;
      level_range(e.va_base, e.key.level, &f, &l);
      judge(EntryView{e.space, f, l, e.key.did, e.key.pasid, -1, true, e.data_seq}, log,
            last_wait,
            unit->name() + " level-" + std::to_string(e.key.level) + " paging-structure entry "
                "for va " + hex(e.va_base) + " (DID " + std::to_string(e.key.did) + ", PASID " +
                std::to_string(e.key.pasid) + ") -> table " + hex(e.next_pa));
    }
    for (const IotlbEntry& e : unit->iotlb_snapshot()) {
      st.entries++;
      if (leaf_agrees(e, false)) continue;
      uint64_t f, l;
      level_range(e.va_base, e.key.level, &f, &l);
      judge(EntryView{e.space, f, l, e.key.did, e.key.pasid, -1, false, e.data_seq}, log,
            last_wait,
            unit->name() + " IOTLB entry va " + hex(e.va_base) + " -> pa " + hex(e.pa_base));
    }
  }
  for (const auto& dev : sys_.devices()) {
    std::vector<InvalRecord> log = dev->unit().inval_log();
    uint64_t last_wait = dev->unit().last_wait_seq();
    for (const IotlbEntry& e : dev->devtlb_snapshot()) {
      st.entries++;
      if (leaf_agrees(e, true)) continue;
      uint64_t f, l;
      level_range(e.va_base, e.key.level, &f, &l);
      judge(EntryView{e.space, f, l, 0, e.key.pasid, dev->sid(), false, e.data_seq}, log,
            last_wait,
            dev->name() + " device-TLB entry va " + hex(e.va_base) + " -> pa " + hex(e.pa_base));
    }
  }
  return st;
}

}  // namespace svafuzz::iommu
