// FreePathWorld teardown: drain pending work, then find page-table frames that are neither
// free nor reachable from any page table (stranded on a deferred list, or leaked).
#include <cstdio>
#include <string>
#include <unordered_set>

#include "core/free/world.h"
#include "core/mm/frame_check.h"
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

// Every table frame reachable from `pt` (a table of `level`), pt included. Host only.
void collect_tables(mm::ptdesc* pt, int level, std::unordered_set<const mm::ptdesc*>* out) {
  if (pt == nullptr || pt->use.load() != mm::FrameUse::kPageTable) return;
  if (!out->insert(pt).second || level <= mm::kPte) return;
  for (unsigned i = 0; i < mm::PTRS_PER_TABLE; ++i) {
    mm::pteval_t e = pt->entries()[i];
    if (!mm::entry_present(e) || mm::entry_is_leaf(e, level)) continue;
    collect_tables(mm::entry_to_ptdesc(e), level - 1, out);
  }
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
  std::unordered_set<const mm::ptdesc*> reachable;
  collect_tables(kernel_->init_mm().pgd, kernel_->levels(), &reachable);
  for (const auto& m : kernel_->mms()) collect_tables(m->pgd, kernel_->levels(), &reachable);
  std::vector<mm::ptdesc*> stranded, leaked;
  for (mm::ptdesc* pt : kernel_->frames().live_frames()) {
    if (pt->use.load() != mm::FrameUse::kPageTable || reachable.count(pt)) continue;
    // Linked (a list_head neighbour, or an llist successor/terminator): on a deferred list.
    (pt->pt_list.next != &pt->pt_list ? stranded : leaked).push_back(pt);
  }
  int n = 0;
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
