// The backend interface behind the sync facade.
//
// Simulated kernel code never names a backend: it calls facade operations (spin_lock,
// READ_ONCE, schedule_work, ...), and each operation asks the runtime installed on the calling
// OS thread for a scheduling point first. Two backends implement Runtime:
//   - "sched"   (core/sched): agents are fibers run one at a time; point() may switch agents,
//               so interleavings are chosen by a replayable choice source;
//   - "threads" (core/threads): agents are real std::threads with real atomics and locks, so
//               ThreadSanitizer sees real races; point() does nothing or yields.
// With no runtime installed (plain unit tests), every operation acts directly on the calling
// thread, which is the threads semantics with no agent bookkeeping.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/sync/event.h"

namespace svafuzz::sync {

using AgentId = uint32_t;
constexpr AgentId kNoAgent = 0xffffffffu;

// Per-agent kernel context: what the kernel keeps in preempt_count and friends.
// Owned by the backend; the facade updates it.
struct AgentState {
  AgentId id = kNoAgent;
  std::string name = "main";
  int preempt_count = 0;   // spinlocks held (spin_lock disables preemption)
  int irq_disabled = 0;    // nesting of spin_lock_irqsave
  // The scenario op the agent is performing (its op name, e.g. "vmap_huge", and the kernel
  // entry it stands for, e.g. "vmap_try_huge_pmd"); nullptr outside an op (daemons, boot,
  // teardown). Set by the scenario op runner; read by provenance and finding records.
  const char* op = nullptr;
  const char* op_entry = nullptr;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // A scheduling point: the calling agent is about to perform `ev`. The sched backend may run
  // other agents before returning. Must not be called with backend-internal locks held.
  virtual void point(const Event& ev) = 0;

  // The calling agent cannot make progress until another agent calls wake(obj) (a lock it
  // wants is held, its work queue is empty). Returns when the caller should re-check its
  // condition; spurious returns are allowed, so callers loop.
  virtual void block(const void* obj, const Event& ev) = 0;

  // Agents blocked on `obj` may proceed.
  virtual void wake(const void* obj) = 0;

  // The calling agent's kernel context.
  virtual AgentState& agent() = 0;

  // Monotonic count of scheduling points taken in this execution (provenance "step").
  virtual uint64_t step() const = 0;

  // A finding was reported by the calling agent (see finding.h). The sched backend stops the
  // execution at its next scheduling point; the threads backend lets agents run to the end.
  virtual void on_finding() {}

  // Starts a new agent (kthread_run) running `fn`, and returns its id. A daemon agent (the
  // kworker) may stay blocked when the execution ends; its idle loop should return once
  // should_stop() is true. Backends that cannot spawn return kNoAgent.
  virtual AgentId spawn(std::string name, std::function<void()> fn, bool daemon) {
    return kNoAgent;
  }

  // True once every non-daemon agent has finished (kthread_should_stop for daemon loops).
  virtual bool should_stop() const { return false; }

  // The calling agent is about to take up to `points` scheduling points of bounded work whose
  // length depends on the world, not on a retry (one table's 512 entries read by a walk, or
  // written by a mapping). Those points do not count towards a livelock budget. Only for work
  // that ends by itself: a loop that grants on every retry would hide a livelock.
  virtual void grant_steps(uint64_t points) {}
};

// The runtime installed on the calling OS thread, or nullptr.
Runtime* current_runtime();

// Installs `rt` on the calling OS thread for its lifetime (backends call this on every thread
// or fiber host they run agents on).
class RuntimeScope {
 public:
  explicit RuntimeScope(Runtime* rt);
  ~RuntimeScope();
  RuntimeScope(const RuntimeScope&) = delete;
  RuntimeScope& operator=(const RuntimeScope&) = delete;

 private:
  Runtime* prev_;
};

// The calling agent's kernel context (a thread-local default when no runtime is installed).
AgentState& current_agent();

// The current step, or 0 with no runtime.
uint64_t current_step();

// A scheduling point; does nothing with no runtime installed.
inline void point(const Event& ev) {
  if (Runtime* rt = current_runtime()) rt->point(ev);
}

// kthread_should_stop(): the installed runtime's should_stop(), false with no runtime.
bool kthread_should_stop();

// Runtime::grant_steps on the installed runtime; does nothing with no runtime installed.
inline void grant_steps(uint64_t points) {
  if (Runtime* rt = current_runtime()) rt->grant_steps(points);
}

// An explicit yield (cpu_relax in a spin loop, or a deliberate preemption opportunity).
void yield_point(SourceLoc loc = SVAFUZZ_HERE);

// Sleeps until wake_up(obj) (Runtime::block; a plain yield with no runtime). Spurious returns
// are allowed: callers re-check their condition in a loop. No scheduling point comes between
// the caller's last check and the sleep, so a check made with no point in between cannot
// lose a wake-up.
void wait_on(const void* obj, SourceLoc loc = SVAFUZZ_HERE);

// Agents sleeping in wait_on(obj) may run again.
void wake_up(const void* obj);

}  // namespace svafuzz::sync
