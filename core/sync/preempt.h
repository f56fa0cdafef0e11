// Preemption and sleeping-context checks: might_sleep() and the preempt count that spinlocks
// raise. A sleeping operation (mutex_lock, a sleeping wait) called with a spinlock held or with
// interrupts disabled is reported as a might-sleep finding, as CONFIG_DEBUG_ATOMIC_SLEEP does.
#pragma once
#include "core/sync/runtime.h"

namespace svafuzz::sync {

void preempt_disable();
void preempt_enable();
bool in_atomic();

// Reports a might-sleep finding if the calling agent is in atomic context.
void might_sleep_at(SourceLoc loc);

}  // namespace svafuzz::sync

#define might_sleep() (::svafuzz::sync::might_sleep_at(SVAFUZZ_HERE))
