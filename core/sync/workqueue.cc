// Work items and the kworker loop (see workqueue.h).
#include "core/sync/workqueue.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/sync/atomic.h"
#include "core/sync/once.h"
#include "core/sync/preempt.h"

namespace svafuzz::sync {
namespace {

std::atomic<workqueue_struct*> g_system_wq{nullptr};

workqueue_struct* work_wq(const work_struct* work) {
  unsigned long d = __atomic_load_n(&work->data, __ATOMIC_ACQUIRE);
  return reinterpret_cast<workqueue_struct*>(d & ~WORK_STRUCT_FLAG_MASK);
}

// Records the queue in work->data, keeping the flag bits. Precondition: wq->lock held.
void set_work_wq(work_struct* work, workqueue_struct* wq) {
  unsigned long d = __atomic_load_n(&work->data, __ATOMIC_RELAXED);
  unsigned long v = reinterpret_cast<uintptr_t>(wq) | (d & WORK_STRUCT_FLAG_MASK);
  __atomic_store_n(&work->data, v, __ATOMIC_RELEASE);
}

// The worklist is protected by wq->lock: plain pointer updates, no debug-list points.
void worklist_add_tail(klib::list_head* n, klib::list_head* head) {
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}

work_struct* worklist_pop(workqueue_struct* wq) {
  klib::list_head* first = wq->worklist.next;
  if (first == &wq->worklist) return nullptr;
  first->prev->next = first->next;
  first->next->prev = first->prev;
  klib::INIT_LIST_HEAD(first);
  return container_of(first, work_struct, entry);
}

// One work item: PENDING is cleared before the function runs (so it can be requeued).
void process_one_work(workqueue_struct* wq, work_struct* work, SourceLoc loc) {
  wq->current_work = work;
  clear_bit(WORK_STRUCT_PENDING_BIT, &work->data, loc);
  smp_mb();
  spin_unlock(&wq->lock, loc);
  point(Event{EventKind::kWorkRun, work, loc});
  work->func(work);
  spin_lock(&wq->lock, loc);
  wq->current_work = nullptr;
  spin_unlock(&wq->lock, loc);
  wake_up(work);
}

}  // namespace

void init_work(work_struct* work, work_func_t func) {
  work->data = 0;
  klib::INIT_LIST_HEAD(&work->entry);
  work->func = func;
}

bool queue_work(workqueue_struct* wq, work_struct* work, SourceLoc loc) {
  point(Event{EventKind::kWorkQueue, work, loc});
  if (test_and_set_bit(WORK_STRUCT_PENDING_BIT, &work->data, loc)) return false;
  spin_lock(&wq->lock, loc);
  set_work_wq(work, wq);
  worklist_add_tail(&work->entry, &wq->worklist);
  spin_unlock(&wq->lock, loc);
  wake_up(wq);
  return true;
}

bool schedule_work(work_struct* work, SourceLoc loc) {
  workqueue_struct* wq = current_system_wq();
  if (wq == nullptr) {
    std::fprintf(stderr, "svafuzz: schedule_work with no system WorkerPool installed\n");
    std::abort();
  }
  return queue_work(wq, work, loc);
}

bool work_pending(const work_struct* work, SourceLoc loc) {
  return test_bit(WORK_STRUCT_PENDING_BIT, &work->data, loc);
}

bool flush_work(work_struct* work, SourceLoc loc) {
  might_sleep_at(loc);
  workqueue_struct* wq = work_wq(work);
  if (wq == nullptr) return false;
  for (bool waited = false;; waited = true) {
    spin_lock(&wq->lock, loc);
    bool busy = test_bit(WORK_STRUCT_PENDING_BIT, &work->data, loc) || wq->current_work == work;
    spin_unlock(&wq->lock, loc);
    if (!busy) return waited;
    wait_on(work, loc);
  }
}

void worker_thread(workqueue_struct* wq) {
  const SourceLoc loc = SVAFUZZ_HERE;
  for (;;) {
    // Read the stop flag BEFORE looking at the queue: with real threads, work queued after an
    // empty pop but before the flag was set would otherwise be left pending on exit.
    bool stop = kthread_should_stop();
    spin_lock(&wq->lock, loc);
    if (work_struct* work = worklist_pop(wq)) {
      process_one_work(wq, work, loc);   // releases wq->lock
      continue;
    }
    spin_unlock(&wq->lock, loc);
    if (stop) return;
    wait_on(wq, loc);
  }
}

workqueue_struct* current_system_wq() { return g_system_wq.load(std::memory_order_acquire); }

WorkerPool::WorkerPool(Runtime* rt, const char* name, bool system) : system_(system) {
  wq_.name = name;
  klib::INIT_LIST_HEAD(&wq_.worklist);
  if (system_) g_system_wq.store(&wq_, std::memory_order_release);
  workqueue_struct* wq = &wq_;
  kworker_ = rt->spawn(std::string("kworker/") + name, [wq] { worker_thread(wq); }, true);
}

WorkerPool::~WorkerPool() {
  workqueue_struct* self = &wq_;
  if (system_) g_system_wq.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
}

}  // namespace svafuzz::sync
