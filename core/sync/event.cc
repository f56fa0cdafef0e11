// Names of event kinds, for traces and reports.
#include "core/sync/event.h"

#include <cstddef>

namespace svafuzz::sync {

const char* event_kind_name(EventKind k) {
  static const char* const kNames[] = {
      "read", "write", "atomic", "spin_lock", "spin_unlock", "mutex_lock", "mutex_unlock",
      "barrier", "schedule_work", "work_run", "list_op", "frame_alloc", "frame_free",
      "iommu_walk", "invalidate", "dma", "yield", "block", "spawn", "exit", "tlb_flush",
      "rwsem_down", "rwsem_up"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(EventKind::kCount));
  auto i = static_cast<size_t>(k);
  return i < static_cast<size_t>(EventKind::kCount) ? kNames[i] : "?";
}

}  // namespace svafuzz::sync
