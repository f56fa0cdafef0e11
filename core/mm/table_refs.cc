// The reverse map of page-table entries (table_refs.h) and its hook after every entry write.
#include "core/mm/table_refs.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/mm/frame_check.h"
#include "core/mm/frame_db.h"
#include "core/mm/kernel.h"
#include "core/mm/mm_struct.h"
#include "core/mm/pgtable.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SVAFUZZ_REFS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SVAFUZZ_REFS_TSAN)
#define SVAFUZZ_REFS_TSAN 1
#endif

#ifdef SVAFUZZ_REFS_TSAN
// ThreadSanitizer's dynamic annotations (compiler-rt tsan_interface_ann.cpp).
extern "C" {
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
}
#endif

namespace svafuzz::mm {
namespace {

// The map is a detector, not kernel code. If ThreadSanitizer saw its mutex, every entry write
// would order the writing agent after the previous writer, and a data race of the design under
// test (an unlocked list_add between two entry writes) could go unreported. So the mutex's
// lock and unlock are hidden from TSan's synchronisation tracking, and the map's own memory
// accesses (made only under the mutex) from its race detection. Without TSan: nothing.
void lock_unobserved(std::mutex& mu) {
#ifdef SVAFUZZ_REFS_TSAN
  AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  mu.lock();
  AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
#else
  mu.lock();
#endif
}

void unlock_unobserved(std::mutex& mu) {
#ifdef SVAFUZZ_REFS_TSAN
  AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  mu.unlock();
  AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
#else
  mu.unlock();
#endif
}

// Scope of the map's own reads and writes (under its mutex).
class Unobserved {
 public:
  Unobserved() {
#ifdef SVAFUZZ_REFS_TSAN
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
  }
  ~Unobserved() {
#ifdef SVAFUZZ_REFS_TSAN
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
  }
  Unobserved(const Unobserved&) = delete;
  Unobserved& operator=(const Unobserved&) = delete;
};

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

bool live_table(const ptdesc* pt) {
  return pt->use.load(std::memory_order_acquire) == FrameUse::kPageTable;
}

std::string mm_name(const ptdesc* pgd) {
  const mm_struct* mm = pgd->mm.load(std::memory_order_relaxed);
  return mm ? mm->name : std::string("?");
}

}  // namespace

void note_entry_write(const pteval_t* slot) {
  if (!has_kernel()) return;
  FrameDb& frames = kernel().frames();
  unsigned index = 0;
  if (ptdesc* table = frames.slot_to_ptdesc(slot, &index)) frames.refs().note_write(table, index);
}

TableRefs::TableRefs(size_t capacity) : nodes_(capacity) {}

TableRefs::Lock::Lock(const TableRefs& r) : r_(r) { lock_unobserved(r_.mu_); }
TableRefs::Lock::~Lock() { unlock_unobserved(r_.mu_); }

TableRefs::KnownGap::KnownGap(TableRefs& r, const ptdesc* pt) : r_(r), pt_(pt) {
  Lock lock(r_);
  Unobserved quiet;
  r_.known_gap_.push_back(pt_);
}

TableRefs::KnownGap::~KnownGap() {
  Lock lock(r_);
  Unobserved quiet;
  auto& v = r_.known_gap_;
  v.erase(std::find(v.begin(), v.end(), pt_));
}

TableRefs::Node* TableRefs::node(pfn_t pfn) { return &nodes_[pfn - FrameDb::kFirstPfn]; }
const TableRefs::Node* TableRefs::node(pfn_t pfn) const {
  return &nodes_[pfn - FrameDb::kFirstPfn];
}

// The frame a slot's entry points at, if it is present and non-leaf at the table's level and
// the address is in the frame pool; else 0. A relaxed read: the caller holds the map's lock,
// and the table is live, so its memory is not poisoned.
pfn_t TableRefs::target_of(const ptdesc* table, unsigned index) const {
  pteval_t e = __atomic_load_n(table->entries() + index, __ATOMIC_RELAXED);
  if (!entry_present(e) || entry_is_leaf(e, table->level.load(std::memory_order_relaxed))) {
    return 0;
  }
  pfn_t pfn = entry_phys(e) >> PAGE_SHIFT;
  if (pfn < FrameDb::kFirstPfn || pfn >= FrameDb::kFirstPfn + nodes_.size()) return 0;
  return pfn;
}

bool TableRefs::verified(const TableRef& ref, const ptdesc* child) const {
  return live_table(ref.table) && target_of(ref.table, ref.index) == child->pfn;
}

void TableRefs::unlink(pfn_t target, const ptdesc* table, unsigned index) {
  std::vector<TableRef>& in = node(target)->in;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].table == table && in[i].index == index) {
      in[i] = in.back();
      in.pop_back();
      return;
    }
  }
}

void TableRefs::note_write(ptdesc* table, unsigned index) {
  Lock lock(*this);
  Unobserved quiet;
  if (!live_table(table)) return;
  const pfn_t now = target_of(table, index);
  std::vector<Slot>& out = node(table->pfn)->out;
  auto it = std::find_if(out.begin(), out.end(), [&](const Slot& s) { return s.index == index; });
  const pfn_t before = it == out.end() ? 0 : it->target;
  if (before == now) return;
  if (before != 0) {
    unlink(before, table, index);
    *it = out.back();
    out.pop_back();
  }
  if (now != 0) {
    node(now)->in.push_back(TableRef{table, index});
    out.push_back(Slot{index, now});
  }
}

void TableRefs::forget_table(ptdesc* table) {
  std::vector<Slot>& out = node(table->pfn)->out;
  for (const Slot& s : out) unlink(s.target, table, s.index);
  out.clear();
}

void TableRefs::add_root(ptdesc* pgd) {
  Lock lock(*this);
  Unobserved quiet;
  if (roots_.empty()) paging_levels_ = pgd->level.load(std::memory_order_relaxed);
  if (!is_root_locked(pgd)) roots_.push_back(pgd);
}

void TableRefs::remove_root(ptdesc* pgd) {
  Lock lock(*this);
  Unobserved quiet;
  roots_.erase(std::remove(roots_.begin(), roots_.end(), pgd), roots_.end());
}

bool TableRefs::is_root_locked(const ptdesc* pt) const {
  return std::find(roots_.begin(), roots_.end(), pt) != roots_.end();
}

bool TableRefs::is_root(const ptdesc* pt) const {
  Lock lock(*this);
  Unobserved quiet;
  return is_root_locked(pt);
}

std::vector<TableRef> TableRefs::referrers(const ptdesc* pt) const {
  Lock lock(*this);
  Unobserved quiet;
  std::vector<TableRef> out;
  for (const TableRef& r : node(pt->pfn)->in) {
    if (verified(r, pt)) out.push_back(r);
  }
  return out;
}

// Breadth-first upward from pt over verified referrers, with a visited list (a sprayed or
// reused frame can point at itself or at its own ancestors). On reaching a root, describes the
// entry that refers to pt and the path down from the root; "" when no root is reached: pt's
// referrers are all in tables that are themselves unlinked (pud_free_pmd_page's PMD table
// after pud_clear), or it has none.
std::string TableRefs::reachable_path(const ptdesc* pt) const {
  struct Visit {
    const ptdesc* frame;
    size_t child;      // the visit this frame's entry points at (npos for pt)
    unsigned index;    // that entry's index in this frame
  };
  std::vector<Visit> seen{{pt, SIZE_MAX, 0}};
  for (size_t i = 0; i < seen.size(); ++i) {
    const ptdesc* f = seen[i].frame;
    for (const TableRef& r : node(f->pfn)->in) {
      if (!verified(r, f)) continue;
      if (std::any_of(seen.begin(), seen.end(), [&](const Visit& v) { return v.frame == r.table; })) {
        continue;
      }
      seen.push_back(Visit{r.table, i, r.index});
      if (!is_root_locked(r.table)) continue;
      // Found: the path from the root down to pt's referrer.
      std::string path;
      const Visit* referrer = nullptr;
      for (size_t j = seen.size() - 1; j != 0; j = seen[j].child) {
        const Visit& v = seen[j];
        int level = v.frame->level.load(std::memory_order_relaxed);
        if (!path.empty()) path += " -> ";
        path += std::string(level_name(level, paging_levels_)) + " " + hex(v.frame->pfn) + "[" +
                std::to_string(v.index) + "]";
        if (v.child == 0) referrer = &v;
      }
      const ptdesc* p = referrer->frame;
      pteval_t e = __atomic_load_n(p->entries() + referrer->index, __ATOMIC_RELAXED);
      return "still reachable from " + mm_name(r.table) + "'s pgd: " +
             level_name(p->level.load(std::memory_order_relaxed), paging_levels_) +
             " entry " + std::to_string(referrer->index) + " = " + hex(e) + " of table pfn " +
             hex(p->pfn) + " points at it (path " + path + "); the referring table: " +
             describe_frame(p);
    }
  }
  return "";
}

std::string TableRefs::release_locked(ptdesc* pt, const char* what, sync::SourceLoc loc) {
  Unobserved quiet;
  std::string why;
  if (is_root_locked(pt)) {
    why = "it is still a page-table root, the pgd of " + mm_name(pt) +
          " on pgd_list (__mmdrop frees a pgd only after Kernel::mm_unlist)";
    roots_.erase(std::remove(roots_.begin(), roots_.end(), pt), roots_.end());
  } else if (std::find(known_gap_.begin(), known_gap_.end(), pt) == known_gap_.end()) {
    why = reachable_path(pt);
  }
  std::string report;
  if (!why.empty()) {
    const char* slash = std::strrchr(loc.file, '/');
    report = describe_frame(pt) + " released by " + what + " at " + (slash ? slash + 1 : loc.file) +
             ":" + std::to_string(loc.line) + " while " + why;
  }
  forget_table(pt);
  return report;
}

}  // namespace svafuzz::mm
