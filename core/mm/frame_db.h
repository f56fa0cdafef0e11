// The frame allocator and frame database: hands out frames, takes them back, poisons freed
// frames for AddressSanitizer, and reuses them after a quarantine.
//
// Contracts:
//  - alloc() returns a zeroed frame, unpoisoned, with use/level/mm set and generation bumped.
//  - free() poisons the frame's memory (any later access through a stale pointer or a stale
//    physical address is an ASan use-after-poison report), records provenance, and queues the
//    frame in a FIFO quarantine; a frame becomes reusable only after `quarantine` later frees.
//    Freeing a free frame is a double-free finding and is otherwise ignored.
//  - alloc_hot() hands out the most recently freed frame, bypassing the quarantine: the
//    page allocator's per-CPU hot list, which is what an attacker spraying allocations gets.
//  - Descriptors live as long as the FrameDb, so a stale PFN always resolves to a descriptor
//    whose state tells "freed" or "reused" (the type/provenance check of a walk).
//  - Frame memory is 4 KiB aligned, so a slot pointer resolves to its frame (slot_to_ptdesc).
//  - free() of a page-table frame is the real release of a table (what __pagetable_free and
//    free_page end in, after any deferral): if some present non-leaf entry of a table reachable
//    from a page-table root still points at the frame, or the frame is itself a root, it
//    reports a dangling-table finding naming the frame, the entry and the free's call site
//    (table_refs.h keeps what the check needs), then frees it anyway, as the kernel would.
// Thread-safe. The allocator's own lock is a host mutex on purpose: it is infrastructure (the
// buddy allocator), not kernel code under test, and takes no scheduling points.
#pragma once
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "core/mm/frame.h"
#include "core/mm/table_refs.h"

namespace svafuzz::mm {

struct FrameDbOptions {
  size_t capacity = 4096;   // frames; PFNs kFirstPfn .. kFirstPfn + capacity - 1
  size_t quarantine = 16;   // frees a frame waits behind before it can be reused
};

class FrameDb {
 public:
  static constexpr pfn_t kFirstPfn = 0x100;   // RAM starts at 1 MiB; PA 0 is never a frame

  explicit FrameDb(FrameDbOptions opts = {});
  ~FrameDb();
  FrameDb(const FrameDb&) = delete;
  FrameDb& operator=(const FrameDb&) = delete;

  // Returns nullptr when every frame is in use or quarantined (the model's -ENOMEM).
  ptdesc* alloc(FrameUse use, int level, mm_struct* mm, const char* what,
                sync::SourceLoc loc = SVAFUZZ_HERE);
  ptdesc* alloc_hot(FrameUse use, const char* what, sync::SourceLoc loc = SVAFUZZ_HERE);
  void free(ptdesc* pt, const char* what, sync::SourceLoc loc = SVAFUZZ_HERE);

  // Descriptor of a PFN ever handed out, else nullptr.
  ptdesc* pfn_to_ptdesc(pfn_t pfn) const;
  ptdesc* phys_to_ptdesc(phys_addr_t pa) const { return pfn_to_ptdesc(pa >> PAGE_SHIFT); }
  // The frame whose memory holds `slot`, and the slot's index in it; nullptr (index untouched)
  // when `slot` is not inside a simulated frame. Lock-free.
  ptdesc* slot_to_ptdesc(const uint64_t* slot, unsigned* index) const;

  // The reverse map of table entries and the page-table roots (dangling-table detector).
  TableRefs& refs() { return refs_; }
  const TableRefs& refs() const { return refs_; }

  size_t capacity() const { return opts_.capacity; }
  phys_addr_t ram_end() const { return (kFirstPfn + opts_.capacity) << PAGE_SHIFT; }
  size_t count(FrameUse use) const;
  // Every frame not free right now (for leak checks at teardown).
  std::vector<ptdesc*> live_frames() const;

 private:
  ptdesc* take(pfn_t pfn, FrameUse use, int level, mm_struct* mm, const char* what,
               sync::SourceLoc loc);
  ptdesc* desc_locked(pfn_t pfn);
  void index_memory_locked(ptdesc* d);

  FrameDbOptions opts_;
  mutable std::mutex mu_;
  std::unique_ptr<std::atomic<ptdesc*>[]> table_;   // index: pfn - kFirstPfn
  std::vector<std::unique_ptr<ptdesc>> owned_;
  pfn_t next_fresh_ = kFirstPfn;
  std::deque<pfn_t> quarantine_;   // freed, not yet reusable (FIFO)
  std::vector<pfn_t> reusable_;    // freed and past quarantine (LIFO)
  size_t counts_[3] = {0, 0, 0};
  // Open-addressed hash of frame memory -> descriptor, for slot_to_ptdesc: written once per
  // frame under mu_ (frames are never destroyed before the FrameDb), read without a lock.
  size_t by_mem_mask_ = 0;
  std::unique_ptr<std::atomic<ptdesc*>[]> by_mem_;
  TableRefs refs_;
};

// pagetable_free_kernel's record of a deferred free: `loc` is its caller's location (the
// kernel function that freed the table, e.g. pmd_free_pte_page), kept in pt->queue_site until
// the design's worker releases the frame, so the release is attributed to that caller on every
// design. Call before handing the table to the design.
void record_deferred_free(ptdesc* pt, sync::SourceLoc loc);

// Poisoning helpers (no-ops without AddressSanitizer).
void poison_frame(uint64_t* mem);
void unpoison_frame(uint64_t* mem);

}  // namespace svafuzz::mm
