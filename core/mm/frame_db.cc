// The frame allocator: fresh frames first, then reuse after the quarantine.
#include "core/mm/frame_db.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "core/mm/frame_check.h"
#include "core/sync/finding.h"
#include "core/sync/runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#define SVAFUZZ_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVAFUZZ_HAS_ASAN 1
#endif
#endif
#ifdef SVAFUZZ_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace svafuzz::mm {

const char* frame_use_name(FrameUse u) {
  switch (u) {
    case FrameUse::kFree: return "free";
    case FrameUse::kPageTable: return "page table";
    case FrameUse::kData: return "data";
  }
  return "?";
}

void poison_frame(uint64_t* mem) {
#ifdef SVAFUZZ_HAS_ASAN
  ASAN_POISON_MEMORY_REGION(mem, PAGE_SIZE);
#else
  (void)mem;
#endif
}

void unpoison_frame(uint64_t* mem) {
#ifdef SVAFUZZ_HAS_ASAN
  ASAN_UNPOISON_MEMORY_REGION(mem, PAGE_SIZE);
#else
  (void)mem;
#endif
}

namespace {

Provenance here(const char* what, sync::SourceLoc loc) {
  const sync::AgentState& a = sync::current_agent();
  return Provenance{what, a.name.c_str(), sync::current_step(), loc, a.op_entry ? a.op_entry : ""};
}

constexpr std::align_val_t kFrameAlign{PAGE_SIZE};

uint64_t* new_frame_memory() {
  return static_cast<uint64_t*>(::operator new(PAGE_SIZE, kFrameAlign));
}

size_t mem_hash(uintptr_t base) { return static_cast<size_t>((base >> PAGE_SHIFT) * 0x9E3779B97F4A7C15ULL); }

size_t pow2_at_least(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

FrameDb::FrameDb(FrameDbOptions opts)
    : opts_(opts),
      table_(new std::atomic<ptdesc*>[opts.capacity]),
      by_mem_mask_(pow2_at_least(2 * opts.capacity) - 1),
      by_mem_(new std::atomic<ptdesc*>[by_mem_mask_ + 1]),
      refs_(opts.capacity) {
  for (size_t i = 0; i < opts_.capacity; ++i) table_[i].store(nullptr, std::memory_order_relaxed);
  for (size_t i = 0; i <= by_mem_mask_; ++i) by_mem_[i].store(nullptr, std::memory_order_relaxed);
  owned_.reserve(opts_.capacity);
}

FrameDb::~FrameDb() {
  for (auto& d : owned_) {
    uint64_t* mem = d->mem.load(std::memory_order_relaxed);
    if (!mem) continue;
    unpoison_frame(mem);
    ::operator delete(mem, kFrameAlign);
  }
}

void FrameDb::index_memory_locked(ptdesc* d) {
  const uintptr_t base = reinterpret_cast<uintptr_t>(d->entries());
  for (size_t i = mem_hash(base);; ++i) {
    std::atomic<ptdesc*>& cell = by_mem_[i & by_mem_mask_];
    if (cell.load(std::memory_order_relaxed) == nullptr) {
      cell.store(d, std::memory_order_release);
      return;
    }
  }
}

ptdesc* FrameDb::slot_to_ptdesc(const uint64_t* slot, unsigned* index) const {
  const uintptr_t p = reinterpret_cast<uintptr_t>(slot);
  const uintptr_t base = p & ~static_cast<uintptr_t>(PAGE_SIZE - 1);
  for (size_t i = mem_hash(base);; ++i) {
    ptdesc* d = by_mem_[i & by_mem_mask_].load(std::memory_order_acquire);
    if (d == nullptr) return nullptr;
    if (reinterpret_cast<uintptr_t>(d->entries()) == base) {
      *index = static_cast<unsigned>((p - base) / sizeof(uint64_t));
      return d;
    }
  }
}

ptdesc* FrameDb::desc_locked(pfn_t pfn) {
  ptdesc* d = table_[pfn - kFirstPfn].load(std::memory_order_relaxed);
  if (d) return d;
  owned_.push_back(std::make_unique<ptdesc>(pfn));
  d = owned_.back().get();
  d->mem.store(new_frame_memory(), std::memory_order_release);
  table_[pfn - kFirstPfn].store(d, std::memory_order_release);
  index_memory_locked(d);
  return d;
}

ptdesc* FrameDb::take(pfn_t pfn, FrameUse use, int level, mm_struct* mm, const char* what,
                      sync::SourceLoc loc) {
  ptdesc* d = desc_locked(pfn);
  uint64_t* mem = d->entries();
  unpoison_frame(mem);
  // Zeroed word by word with relaxed atomic stores, not memset: a new table is published by a
  // relaxed WRITE_ONCE after smp_wmb and read by lockless walkers through an address
  // dependency (the pmd_install comment). That is correct kernel code, but ThreadSanitizer
  // models neither the fence nor the dependency; with every access to frame memory atomic it
  // does not report the pattern, while real races on entries stay visible as before.
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) __atomic_store_n(&mem[i], 0, __ATOMIC_RELAXED);
  d->flags = 0;
  d->pt_list.next = d->pt_list.prev = &d->pt_list;
  d->prev_alloc_site = d->alloc_site;
  d->prev_level = d->level.load(std::memory_order_relaxed);
  d->queue_site = Provenance{};
  d->level.store(level, std::memory_order_relaxed);
  d->mm.store(mm, std::memory_order_relaxed);
  d->generation.fetch_add(1, std::memory_order_relaxed);
  d->alloc_site = here(what, loc);
  // free_site is kept: for a reused frame it names who freed the previous incarnation, which
  // is what a stale-walk report needs.
  d->use.store(use, std::memory_order_release);
  counts_[static_cast<int>(use)]++;
  return d;
}

ptdesc* FrameDb::alloc(FrameUse use, int level, mm_struct* mm, const char* what,
                       sync::SourceLoc loc) {
  std::lock_guard<std::mutex> g(mu_);
  pfn_t pfn;
  if (next_fresh_ < kFirstPfn + opts_.capacity) {
    pfn = next_fresh_++;
  } else if (!reusable_.empty()) {
    pfn = reusable_.back();
    reusable_.pop_back();
  } else {
    return nullptr;
  }
  return take(pfn, use, level, mm, what, loc);
}

ptdesc* FrameDb::alloc_hot(FrameUse use, const char* what, sync::SourceLoc loc) {
  std::lock_guard<std::mutex> g(mu_);
  pfn_t pfn;
  if (!quarantine_.empty()) {
    pfn = quarantine_.back();
    quarantine_.pop_back();
  } else if (!reusable_.empty()) {
    pfn = reusable_.back();
    reusable_.pop_back();
  } else if (next_fresh_ < kFirstPfn + opts_.capacity) {
    pfn = next_fresh_++;
  } else {
    return nullptr;
  }
  return take(pfn, use, 0, nullptr, what, loc);
}

void FrameDb::free(ptdesc* pt, const char* what, sync::SourceLoc loc) {
  std::string dangling, twice;
  FindingFrame snap;
  {
    // The reverse map's lock is held across the free (lock order: refs_, then mu_), so no
    // entry write's bookkeeping lands between the reachability check and the frame becoming
    // free.
    TableRefs::Lock refs_lock(refs_);
    if (pt->use.load(std::memory_order_acquire) == FrameUse::kPageTable) {
      dangling = refs_.release_locked(pt, what, loc);
    }
    std::lock_guard<std::mutex> g(mu_);
    FrameUse old = pt->use.load(std::memory_order_relaxed);
    if (old == FrameUse::kFree) {
      twice = std::string(what) + ": frame pfn " + std::to_string(pt->pfn) +
              " freed twice; first freed by " + pt->free_site.what + " at step " +
              std::to_string(pt->free_site.step);
    } else {
      counts_[static_cast<int>(old)]--;
      pt->free_site = here(what, loc);
      pt->release_site = *pt->queue_site.what ? pt->queue_site : pt->free_site;
      pt->queue_site = Provenance{};
      pt->use.store(FrameUse::kFree, std::memory_order_release);
      poison_frame(pt->entries());
      quarantine_.push_back(pt->pfn);
      while (quarantine_.size() > opts_.quarantine) {
        reusable_.push_back(quarantine_.front());
        quarantine_.pop_front();
      }
    }
    if (!dangling.empty() || !twice.empty()) snap = frame_snapshot(pt);
  }
  // Reported with no lock held: the runtime's on_finding may stop the execution.
  if (!twice.empty()) report_frame_finding(Detector::kDoubleFree, std::move(twice), snap, "", loc);
  if (!dangling.empty()) report_frame_finding(Detector::kDanglingTable, std::move(dangling), snap, "", loc);
}

void record_deferred_free(ptdesc* pt, sync::SourceLoc loc) {
  pt->queue_site = here(loc.function, loc);
}

ptdesc* FrameDb::pfn_to_ptdesc(pfn_t pfn) const {
  if (pfn < kFirstPfn || pfn >= kFirstPfn + opts_.capacity) return nullptr;
  return table_[pfn - kFirstPfn].load(std::memory_order_acquire);
}

size_t FrameDb::count(FrameUse use) const {
  std::lock_guard<std::mutex> g(mu_);
  if (use == FrameUse::kFree) return quarantine_.size() + reusable_.size();
  return counts_[static_cast<int>(use)];
}

std::vector<ptdesc*> FrameDb::live_frames() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<ptdesc*> out;
  for (const auto& d : owned_) {
    if (d->use.load(std::memory_order_relaxed) != FrameUse::kFree) out.push_back(d.get());
  }
  return out;
}

}  // namespace svafuzz::mm
