// The frame allocator: fresh frames first, then reuse after the quarantine.
#include "core/mm/frame_db.h"

#include <cstring>
#include <string>

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
  return Provenance{what, sync::current_agent().name.c_str(), sync::current_step(), loc};
}

}  // namespace

FrameDb::FrameDb(FrameDbOptions opts)
    : opts_(opts), table_(new std::atomic<ptdesc*>[opts.capacity]) {
  for (size_t i = 0; i < opts_.capacity; ++i) table_[i].store(nullptr, std::memory_order_relaxed);
  owned_.reserve(opts_.capacity);
}

FrameDb::~FrameDb() {
  for (auto& d : owned_) {
    uint64_t* mem = d->mem.load(std::memory_order_relaxed);
    if (!mem) continue;
    unpoison_frame(mem);
    delete[] mem;
  }
}

ptdesc* FrameDb::desc_locked(pfn_t pfn) {
  ptdesc* d = table_[pfn - kFirstPfn].load(std::memory_order_relaxed);
  if (d) return d;
  owned_.push_back(std::make_unique<ptdesc>(pfn));
  d = owned_.back().get();
  d->mem.store(new uint64_t[PTRS_PER_TABLE], std::memory_order_release);
  table_[pfn - kFirstPfn].store(d, std::memory_order_release);
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
  std::unique_lock<std::mutex> g(mu_);
  FrameUse old = pt->use.load(std::memory_order_relaxed);
  if (old == FrameUse::kFree) {
    std::string msg = std::string(what) + ": frame pfn " + std::to_string(pt->pfn) +
                      " freed twice; first freed by " + pt->free_site.what + " at step " +
                      std::to_string(pt->free_site.step);
    g.unlock();
    report_finding(Detector::kDoubleFree, msg, loc);
    return;
  }
  counts_[static_cast<int>(old)]--;
  pt->free_site = here(what, loc);
  pt->use.store(FrameUse::kFree, std::memory_order_release);
  poison_frame(pt->entries());
  quarantine_.push_back(pt->pfn);
  while (quarantine_.size() > opts_.quarantine) {
    reusable_.push_back(quarantine_.front());
    quarantine_.pop_front();
  }
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
