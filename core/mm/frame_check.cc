// The walkers' frame type/provenance check.
#include "core/mm/frame_check.h"

#include <cstdio>
#include <string>

#include "core/mm/kernel.h"
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable.h"
#include "core/sync/finding.h"

namespace svafuzz::mm {
namespace {

std::string site(const Provenance& p) {
  if (!p.what || !*p.what) return "-";
  return std::string(p.what) + " by " + p.agent + " at step " + std::to_string(p.step);
}

bool check(phys_addr_t pa, int level, const mm_struct* owner, const uint64_t* generation,
           const char* walker, sync::SourceLoc loc) {
  ptdesc* pt = kernel().frames().phys_to_ptdesc(pa);
  std::string why;
  if (!pt) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(pa));
    why = std::string("points at PA ") + buf + ", which is not a simulated frame";
  } else if (pt->use.load(std::memory_order_acquire) == FrameUse::kFree) {
    why = "entered a FREED frame: " + describe_frame(pt);
  } else if (pt->use.load(std::memory_order_acquire) != FrameUse::kPageTable ||
             pt->level.load(std::memory_order_relaxed) != level ||
             pt->mm.load(std::memory_order_relaxed) != owner) {
    why = "entered a REUSED frame (expected a level-" + std::to_string(level) + " table of " +
          (owner ? owner->name : std::string("?")) + "): " + describe_frame(pt);
  } else if (generation && pt->generation.load(std::memory_order_relaxed) != *generation) {
    why = "entered a frame freed and REUSED as a table since the pointer was cached: " +
          describe_frame(pt);
  }
  if (why.empty()) return true;
  report_frame_finding(Detector::kFrameCheck, std::string(walker) + " " + why,
                       pt ? frame_snapshot(pt) : FindingFrame{}, walker, loc);
  return false;
}

}  // namespace

ptdesc* entry_to_ptdesc(pteval_t e) { return kernel().frames().phys_to_ptdesc(entry_phys(e)); }

bool frame_check_table(phys_addr_t pa, int level, const mm_struct* owner, const char* walker,
                       sync::SourceLoc loc) {
  return check(pa, level, owner, nullptr, walker, loc);
}

bool frame_check_table_gen(phys_addr_t pa, int level, const mm_struct* owner,
                           uint64_t generation, const char* walker, sync::SourceLoc loc) {
  return check(pa, level, owner, &generation, walker, loc);
}

namespace {
// The kernel function of a provenance record: the call site's function, else `what`.
std::string kernel_function(const Provenance& p) {
  if (p.loc.function && *p.loc.function && std::string(p.loc.function) != "?") return p.loc.function;
  return p.what ? p.what : "";
}
}  // namespace

FindingFrame frame_snapshot(const ptdesc* pt, bool table_walk) {
  FindingFrame f;
  f.valid = true;
  f.pfn = pt->pfn;
  f.table_walk = table_walk;
  f.reused = pt->use.load(std::memory_order_acquire) != FrameUse::kFree;
  f.level = f.reused ? pt->prev_level : pt->level.load(std::memory_order_relaxed);
  const Provenance& alloc = f.reused ? pt->prev_alloc_site : pt->alloc_site;
  f.alloc_site = alloc.what ? alloc.what : "";
  f.free_site = kernel_function(pt->release_site);
  f.free_via = pt->release_site.via ? pt->release_site.via : "";
  return f;
}

std::string describe_frame(const ptdesc* pt) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "pfn %#llx", static_cast<unsigned long long>(pt->pfn));
  std::string s = buf;
  FrameUse use = pt->use.load(std::memory_order_acquire);
  s += std::string(" now ") + frame_use_name(use);
  if (use == FrameUse::kPageTable) {
    const mm_struct* mm = pt->mm.load(std::memory_order_relaxed);
    s += " level " + std::to_string(pt->level.load(std::memory_order_relaxed)) + " of " +
         (mm ? mm->name : std::string("?"));
  }
  s += " (gen " + std::to_string(pt->generation.load(std::memory_order_relaxed)) +
       "; allocated by " + site(pt->alloc_site) + "; last freed by " + site(pt->free_site) + ")";
  return s;
}

}  // namespace svafuzz::mm
