// The reverse map of page-table entries and the set of page-table roots: what the
// dangling-table detector needs to tell, when a table frame is released to the allocator,
// whether some present non-leaf entry of a table reachable from a root still points at it.
//
// What it keeps, per frame: the (table, index) slots of live tables whose entry is present,
// non-leaf at that table's level, and points at the frame ("referrers"), and, per table, the
// slots of its own that it recorded (so an entry overwritten or cleared drops its record).
// The roots are swapper_pg_dir and the pgd of every mm on pgd_list (Kernel::mms()).
//
// Contracts:
//  - note_write(table, index) runs after every entry write made through write_entry /
//    clear_entry (pgtable.h). It re-reads the slot, so concurrent writers of one slot converge
//    on the slot's final value whatever order their notes run in. Slots of frames that are not
//    live tables are ignored (pud_free_pmd_page's scratch copy, an attacker's spray: data).
//  - Entry updates it does not see are safe: the IOMMU's A/D compare-and-swap only ORs A/D
//    and never changes the address, P or PS; a plain store into frame memory (the spray's
//    entries 1..511, which are in a data frame anyway) is never recorded, and every recorded
//    referrer is re-verified against its slot before it counts, so a stale record never flags.
//  - A table's own records are dropped when it is released (its memory no longer counts as
//    entries): the children of an already freed table are not reachable through it.
//  - Thread-safe: one host mutex, never held across a scheduling point (no facade call runs
//    under it). Lock order: this map, then the FrameDb's allocator lock. ThreadSanitizer is
//    told to ignore the mutex and the map's memory (see table_refs.cc), so the detector adds
//    no happens-before edge between the simulated kernel's agents.
// Cost: one hash lookup and one lock per entry write, O(referrers) per update; the release
// check walks referrers upward (a kernel table has one referrer per pgd sharing it).
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/mm/frame.h"
#include "core/mm/pgtable_types.h"
#include "core/sync/event.h"

namespace svafuzz::mm {

// A slot that refers to a frame: entry `index` of the table frame `table`.
struct TableRef {
  ptdesc* table;
  unsigned index;
};

class TableRefs {
 public:
  // For a pool of `capacity` frames from FrameDb::kFirstPfn (the FrameDb owns this map).
  explicit TableRefs(size_t capacity);
  TableRefs(const TableRefs&) = delete;
  TableRefs& operator=(const TableRefs&) = delete;

  // The map's lock, for FrameDb::free (release_locked). Scoped; invisible to ThreadSanitizer.
  class Lock {
   public:
    explicit Lock(const TableRefs& r);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    const TableRefs& r_;
  };

  // A scope in which a release of `pt` made while pt is still linked is not reported: the
  // documented v6.19 hot-remove order (free, then clear) when KernelOptions::
  // report_hot_remove_gap is off. pt's records are still dropped at the release.
  class KnownGap {
   public:
    KnownGap(TableRefs& r, const ptdesc* pt);
    ~KnownGap();
    KnownGap(const KnownGap&) = delete;
    KnownGap& operator=(const KnownGap&) = delete;

   private:
    TableRefs& r_;
    const ptdesc* pt_;
  };

  // After a write of entry `index` of `table` (write_entry / clear_entry).
  void note_write(ptdesc* table, unsigned index);

  // Roots: swapper_pg_dir at boot, a user pgd while its mm is on pgd_list (added by
  // Kernel::mm_alloc, removed by Kernel::mm_unlist). remove_root of a non-root does nothing.
  void add_root(ptdesc* pgd);
  void remove_root(ptdesc* pgd);
  bool is_root(const ptdesc* pt) const;

  // The verified referrers of `pt` right now (tests, reports).
  std::vector<TableRef> referrers(const ptdesc* pt) const;

  // FrameDb::free of the live table `pt` by `what` at `loc`, with a Lock held: the
  // dangling-table report if pt is still reachable ("" when it is not), naming pt, the
  // referring entry, its path from a root and the free's call site, or saying that pt is
  // itself a root. Then pt's own records are dropped and, if it was a root, it stops being one.
  std::string release_locked(ptdesc* pt, const char* what, sync::SourceLoc loc);

 private:
  struct Slot {
    unsigned index;
    pfn_t target;
  };
  struct Node {
    std::vector<TableRef> in;   // referrers (recorded; verified before use)
    std::vector<Slot> out;      // this table's own recorded entries
  };

  Node* node(pfn_t pfn);
  const Node* node(pfn_t pfn) const;
  pfn_t target_of(const ptdesc* table, unsigned index) const;   // 0: none
  bool verified(const TableRef& ref, const ptdesc* child) const;
  void unlink(pfn_t target, const ptdesc* table, unsigned index);
  void forget_table(ptdesc* table);
  bool is_root_locked(const ptdesc* pt) const;
  std::string reachable_path(const ptdesc* pt) const;

  mutable std::mutex mu_;
  std::vector<Node> nodes_;           // index: pfn - FrameDb::kFirstPfn
  std::vector<const ptdesc*> roots_;
  std::vector<const ptdesc*> known_gap_;   // frames inside a KnownGap scope
  int paging_levels_ = 4;             // from the first root: for entry names (pmd, pud, ...)
};

}  // namespace svafuzz::mm
