// The sync facade: the only concurrency vocabulary simulated kernel code may use.
// Include this, never <mutex> or <thread>, from model code.
#pragma once
#include "core/sync/atomic.h"
#include "core/sync/event.h"
#include "core/sync/finding.h"
#include "core/sync/mutex.h"
#include "core/sync/once.h"
#include "core/sync/preempt.h"
#include "core/sync/runtime.h"
#include "core/sync/rwsem.h"
#include "core/sync/spinlock.h"
