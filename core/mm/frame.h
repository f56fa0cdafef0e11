// Simulated physical frames and their descriptors (the struct page / struct ptdesc analogue).
//
// Every 4 KiB frame is its own host allocation of 512 64-bit words. A frame's descriptor records
// what the frame is (free, a page table of some level and mm, data) and its provenance (who
// allocated and freed it, at which step), so reports can tell the story of a stale walk.
#pragma once
#include <atomic>
#include <cstdint>

#include "core/klib/list.h"
#include "core/sync/event.h"

namespace svafuzz::mm {

using phys_addr_t = uint64_t;
using pfn_t = uint64_t;

constexpr unsigned PAGE_SHIFT = 12;
constexpr uint64_t PAGE_SIZE = 1ULL << PAGE_SHIFT;
constexpr unsigned PTRS_PER_TABLE = 512;

struct mm_struct;

enum class FrameUse : uint8_t {
  kFree = 0,
  kPageTable,  // a paging structure of `level` belonging to `mm`
  kData,       // data: a mapped page, a scratch page, an attacker's spray
};

const char* frame_use_name(FrameUse u);

// Who did something to a frame, and when.
struct Provenance {
  const char* what = "";    // kernel function or model operation, e.g. "pmd_free_pte_page"
  const char* agent = "";   // agent name (owned by the runtime for the execution)
  uint64_t step = 0;        // scheduling step of the runtime
  sync::SourceLoc loc{};    // loc.function: the kernel caller (e.g. "pmd_free_pte_page")
  const char* via = "";     // the scenario op's kernel entry of `agent` ("" outside an op)
};

// Bit numbers in ptdesc::flags (the kernel keeps PT_kernel among the page flags and sets it
// with atomic bitops).
constexpr unsigned PT_kernel = 0;
constexpr unsigned PT_reserved = 1;   // boot/static tables (swapper_pg_dir): never freed

struct ptdesc {
  explicit ptdesc(pfn_t p) : pfn(p) {}

  const pfn_t pfn;
  unsigned long flags = 0;           // PT_kernel etc.; touched only through the facade bitops
  klib::list_head pt_list{&pt_list, &pt_list};  // threads deferred-free lists, as in the kernel

  // Allocator-owned metadata. Atomics because walkers check them concurrently with frees.
  std::atomic<FrameUse> use{FrameUse::kFree};
  std::atomic<int> level{0};                    // 1 = PTE ... 5 = PML5; 0 for data
  std::atomic<mm_struct*> mm{nullptr};          // owning address space for tables
  std::atomic<uint64_t> generation{0};          // bumped at every allocation
  std::atomic<uint64_t*> mem{nullptr};          // the 4 KiB itself; kept for the frame's life

  Provenance alloc_site;   // written by the allocator under its lock
  Provenance free_site;    // the LAST free; kept across reallocation (reused-frame reports)
  // For finding signatures (FindingFrame): what the freed incarnation of a reused frame was,
  // the pending deferred-free request of this incarnation (record_deferred_free), and the
  // kernel call that released the last freed incarnation (that request's caller if the free
  // was deferred, else free_site). Written under the allocator's lock, except queue_site,
  // written by the queueing agent before it hands the table to the design.
  Provenance prev_alloc_site;
  int prev_level = 0;
  Provenance queue_site;
  Provenance release_site;

  phys_addr_t phys() const { return pfn << PAGE_SHIFT; }
  uint64_t* entries() const { return mem.load(std::memory_order_acquire); }
};

}  // namespace svafuzz::mm
