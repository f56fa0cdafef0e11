// qi_submit_sync (drivers/iommu/intel/dmar.c): the driver's synchronous submission of
// invalidation descriptors.
#pragma once
#include <cstddef>

#include "core/iommu/qi_desc.h"

namespace svafuzz::iommu {

class IntelIommu;

// Appends `descs` and an invalidation-wait descriptor (SW=1, status QI_DONE written to
// desc_status[wait_index]) to the unit's queue under qi->q_lock, then spins until the status
// reads QI_DONE, dropping the lock around each cpu_relax as the kernel does. Only that wait
// guarantees the earlier descriptors have completed.
//
// Who processes the queue depends on the system's HwMode: kSynchronous (sequential tests,
// fuzzers) -> the spinning CPU drives the unit's process_one() itself; kAgent (concurrent
// scenarios) -> a separate IOMMU agent must run process_one(), and the CPU only spins.
// Scheduling points: spin lock/unlock, kInvalidate per descriptor queued, READ_ONCE of the
// status, kYield per cpu_relax. Locks: takes qi->q_lock (a facade spinlock, irqsave); callers
// may hold other spinlocks (cache_tag_flush_range holds domain->cache_lock).
void qi_submit_sync(IntelIommu* iommu, const qi_desc* descs, size_t count,
                    unsigned long options = 0);

}  // namespace svafuzz::iommu
