// Kernel work items with <linux/workqueue.h> semantics: INIT_WORK, __WORK_INITIALIZER,
// DECLARE_WORK, queue_work, schedule_work, flush_work, work_pending, and a WorkerPool that owns
// a workqueue and the kworker agent (a daemon) that runs it.
//
// Semantics (as the kernel's):
//  - queue_work/schedule_work set WORK_STRUCT_PENDING_BIT with test_and_set_bit; if it was
//    already set the work is pending and the call returns false without queueing it again.
//  - The kworker clears PENDING before it calls the function (with the pool lock held, then a
//    full barrier), so a schedule_work while the function runs queues it again (requeue).
//  - flush_work waits until the work is neither pending nor running; returns true if it waited.
//  - work->data holds the PENDING bit and the workqueue the work was last queued on (the kernel
//    keeps its pool there too).
//  - system_wq is the workqueue of the WorkerPool installed as system pool for the current
//    execution (one per execution, owned by the harness that runs it).
// Scheduling points: queue_work = kWorkQueue + the bitop + wq->lock; the kworker takes
// wq->lock and a kWorkRun point before each function.
#pragma once
#include "core/klib/list.h"
#include "core/sync/runtime.h"
#include "core/sync/spinlock.h"

namespace svafuzz::sync {

struct work_struct;
typedef void (*work_func_t)(work_struct* work);

enum { WORK_STRUCT_PENDING_BIT = 0 };
constexpr unsigned long WORK_STRUCT_FLAG_MASK = 0xffUL;   // low bits: flags; rest: the wq

struct work_struct {
  unsigned long data;          // PENDING bit | workqueue_struct* (via the facade's bitops)
  klib::list_head entry;       // on workqueue_struct::worklist while pending
  work_func_t func;
};

struct alignas(256) workqueue_struct {
  spinlock_t lock{"wq->lock"};
  klib::list_head worklist;              // protected by lock
  work_struct* current_work = nullptr;   // the work whose function runs now; protected by lock
  const char* name = "events";
};

void init_work(work_struct* work, work_func_t func);

// Preconditions: work initialised; wq belongs to a live WorkerPool. Returns false if the work
// was already pending. Callable in atomic context (does not sleep).
bool queue_work(workqueue_struct* wq, work_struct* work, SourceLoc loc = SVAFUZZ_HERE);
// queue_work(system_wq, work). Precondition: a system WorkerPool is installed.
bool schedule_work(work_struct* work, SourceLoc loc = SVAFUZZ_HERE);
// Waits for the last queued instance of `work` to finish. Sleeps: might_sleep() first.
// Returns false if the work was idle (never queued, or already done).
bool flush_work(work_struct* work, SourceLoc loc = SVAFUZZ_HERE);
bool work_pending(const work_struct* work, SourceLoc loc = SVAFUZZ_HERE);

// The system workqueue of the current execution, or nullptr.
workqueue_struct* current_system_wq();

// Owns a workqueue and spawns its kworker (a daemon agent) on a runtime.
class WorkerPool {
 public:
  // Spawns the kworker on `rt` (before or during rt's execution). With `system`, the pool's
  // workqueue becomes system_wq until the pool is destroyed. Precondition: rt supports spawn().
  explicit WorkerPool(Runtime* rt, const char* name = "events", bool system = true);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  workqueue_struct* wq() { return &wq_; }
  AgentId kworker() const { return kworker_; }

 private:
  workqueue_struct wq_;
  AgentId kworker_;
  bool system_;
};

// The kworker's body: runs queued work until the queue is empty and kthread_should_stop().
void worker_thread(workqueue_struct* wq);

}  // namespace svafuzz::sync

#define __WORK_INITIALIZER(n, f) {0UL, {&(n).entry, &(n).entry}, (f)}
#define DECLARE_WORK(n, f) ::svafuzz::sync::work_struct n = __WORK_INITIALIZER(n, f)
#define INIT_WORK(w, f) ::svafuzz::sync::init_work((w), (f))
#define system_wq (::svafuzz::sync::current_system_wq())
