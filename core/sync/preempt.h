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
// cond_resched(): a voluntary preemption point that may sleep, so in atomic context it is the
// same finding as might_sleep (__might_resched); then a scheduling point. Returns 0 (the
// kernel's "did not reschedule" is not observable in the model).
int cond_resched_at(SourceLoc loc);

}  // namespace svafuzz::sync

#define might_sleep() (::svafuzz::sync::might_sleep_at(SVAFUZZ_HERE))
