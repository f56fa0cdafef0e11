// FreePathWorld teardown: drain pending work, then walk the page tables from every root
// (init_mm's pgd, each live mm's pgd): a reachable present non-leaf entry into a frame that is
// free, or reused as data or as a table of another level, is a dangling-table finding; table
// frames neither free nor reachable are stranded on a deferred list, or leaked.
#include <cstdio>
#include <string>
#include <unordered_set>

#include "core/free/world.h"
#include "core/mm/frame_check.h"
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable.h"
#include "core/sync/atomic.h"
#include "core/sync/finding.h"

namespace svafuzz::free {
namespace {

constexpr int kMaxDrainRounds = 64;   // a work function that requeues itself forever is a bug

// The first queued work item, unlinked (as the kworker's worklist_pop does), or nullptr.
// Host only: no agent runs.
sync::work_struct* pop_work(sync::workqueue_struct* wq) {
  klib::list_head* first = wq->worklist.next;
  if (first == &wq->worklist) return nullptr;
  first->prev->next = first->next;
  first->next->prev = first->prev;
  klib::INIT_LIST_HEAD(first);
  return container_of(first, sync::work_struct, entry);
}

// What the walk from the roots found: every table frame reachable, and the first present
// non-leaf entry of a reachable table that does not lead to a live table of the next level.
struct Reach {
  std::unordered_set<const mm::ptdesc*> tables;
  std::string dangling;   // empty: none
  int paging_levels = 4;
};

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

// Why the entry `e` of a level-`level` table does not lead to a live table of level-1 ("" if
// it does). `next` is the frame it points at, or nullptr outside the frame pool.
std::string bad_target(const mm::ptdesc* next, mm::pteval_t e, int level) {
  if (next == nullptr) return "PA " + hex(mm::entry_phys(e)) + ", which is not a simulated frame";
  mm::FrameUse use = next->use.load();
  if (use == mm::FrameUse::kFree) return "a FREED frame: " + mm::describe_frame(next);
  if (use != mm::FrameUse::kPageTable) return "a frame REUSED as data: " + mm::describe_frame(next);
  if (next->level.load() != level - 1) {
    return "a frame REUSED as a level-" + std::to_string(next->level.load()) +
           " table: " + mm::describe_frame(next);
  }
  return "";
}

// Every table frame reachable from `pt` (a live table of `level`), pt included, from the root
// pgd of `root`. An entry into a frame that is free, data, or a table of another level is not
// followed; the first is kept in r->dangling. Host only (no agent runs).
void collect_tables(mm::ptdesc* pt, int level, const std::string& root, Reach* r) {
  if (!r->tables.insert(pt).second || level <= mm::kPte) return;
  for (unsigned i = 0; i < mm::PTRS_PER_TABLE; ++i) {
    mm::pteval_t e = pt->entries()[i];
    if (!mm::entry_present(e) || mm::entry_is_leaf(e, level)) continue;
    mm::ptdesc* next = mm::entry_to_ptdesc(e);
    std::string why = bad_target(next, e, level);
    if (why.empty()) {
      collect_tables(next, level - 1, root, r);
    } else if (r->dangling.empty()) {
      r->dangling = std::string(mm::level_name(level, r->paging_levels)) + " entry " +
                    std::to_string(i) + " = " + hex(e) + " of table pfn " + hex(pt->pfn) +
                    " (reachable from " + root + "'s pgd) points at " + why +
                    "; the referring table: " + mm::describe_frame(pt);
    }
  }
}

void collect_from_root(mm::mm_struct* mm, Reach* r) {
  if (mm->pgd == nullptr || mm->pgd->use.load() != mm::FrameUse::kPageTable) return;
  collect_tables(mm->pgd, r->paging_levels, mm->name, r);
}

std::string frame_list(const std::vector<mm::ptdesc*>& frames) {
  std::string s;
  for (const mm::ptdesc* pt : frames) s += "\n  " + mm::describe_frame(pt);
  return s;
}

}  // namespace

void FreePathWorld::drain() {
  iommu::HwMode mode = iommu_->mode();
  iommu_->set_mode(iommu::HwMode::kSynchronous);   // the host completes every wait itself
  for (iommu::IntelIommu* u : units_) u->process_all();
  if (pool_) {
    for (int round = 0; round < kMaxDrainRounds; ++round) {
      sync::work_struct* work = pop_work(pool_->wq());
      if (work == nullptr) break;
      sync::clear_bit(sync::WORK_STRUCT_PENDING_BIT, &work->data);
      work->func(work);
    }
  }
  for (iommu::IntelIommu* u : units_) u->process_all();
  iommu_->set_mode(mode);
}

int FreePathWorld::teardown() {
  if (!findings().empty()) return 0;
  drain();
  if (!findings().empty()) return static_cast<int>(findings().snapshot().size());
  Reach reach;
  reach.paging_levels = kernel_->levels();
  collect_from_root(&kernel_->init_mm(), &reach);
  for (const auto& m : kernel_->mms()) collect_from_root(m.get(), &reach);
  int n = 0;
  if (!reach.dangling.empty()) {
    report_finding(Detector::kDanglingTable,
                   "at teardown (after draining pending work), design " + design_->name + ": " +
                       reach.dangling);
    ++n;
  }
  std::vector<mm::ptdesc*> stranded, leaked;
  for (mm::ptdesc* pt : kernel_->frames().live_frames()) {
    if (pt->use.load() != mm::FrameUse::kPageTable || reach.tables.count(pt)) continue;
    // Linked (a list_head neighbour, or an llist successor/terminator): on a deferred list.
    (pt->pt_list.next != &pt->pt_list ? stranded : leaked).push_back(pt);
  }
  if (!stranded.empty()) {
    report_finding(Detector::kStranded,
                   std::to_string(stranded.size()) + " page-table frame(s) unlinked from the "
                   "page tables but never freed, still on a deferred list at teardown (after "
                   "draining pending work), design " + design_->name + ":" + frame_list(stranded));
    ++n;
  }
  if (!leaked.empty()) {
    report_finding(Detector::kLeak,
                   std::to_string(leaked.size()) + " page-table frame(s) unlinked from the page "
                   "tables and never freed (on no list), design " + design_->name + ":" +
                   frame_list(leaked));
    ++n;
  }
  return n;
}

}  // namespace svafuzz::free
