// The "sched" backend: agents are fibers run one at a time on the calling OS thread, and they
// switch only at facade scheduling points. Which agent runs next is asked of a ChoiceSource at
// every point with two or more runnable agents; the answers are recorded as a Schedule, and
// every performed point is recorded in a Trace, so any execution replays exactly.
//
// Choice model: every agent is parked at a scheduling point with its pending event; a choice
// picks whose pending event is performed next. New agents run up to their first point before
// any choice ("priming"), and an agent woken from block() performs its next point without a
// new choice, so interleavings of N independent events are counted exactly once.
//
// End of an execution: when no agent is runnable and every non-daemon agent has finished,
// should_stop() becomes true and blocked daemons (the kworker) are woken to leave their idle
// loops. No runnable agent while a non-daemon agent is blocked is a deadlock finding; more than
// step_budget points (plus what grant_steps() granted for bounded bulk work) is a step-budget
// finding; points a daemon takes while a non-daemon agent can run are idle time, allowed
// kIdleStepsPerBudgetStep times as many. After any finding the execution stops at the next
// point: every unfinished fiber is unwound by an internal exception (destructors run) and
// run() returns. Release points (spin_unlock, mutex_unlock) never throw, because guards call
// them from destructors; the agent stops at its next non-release point instead.
//
// Grant cap: bulk table work is finite but can be huge (a refused 1 GiB promotion maps 262,144
// PTEs, and every later ptdump reads them), so an execution whose grants pass grant_cap is cut
// off when it asks for more: it stops as after a finding, with no finding, and cut_off() is
// true. Only grants count, so a livelock (which grants nothing) still meets the step budget.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/sched/choice_source.h"
#include "core/sched/fiber.h"
#include "core/sched/schedule.h"
#include "core/sched/stack_pool.h"
#include "core/sched/trace.h"
#include "core/sync/runtime.h"

namespace svafuzz::sched {

struct SchedOptions {
  uint64_t step_budget = 100000;          // scheduling points before a step-budget finding
  size_t stack_size = default_stack_size();
  size_t trace_reserve = 1 << 14;         // trace entries preallocated
  uint64_t grant_cap = 0;                 // granted points before a cut-off; 0: no cap
  // Trace::resolve() at the end of every execution (object ids, names, the trace hash). A
  // caller that reads only the entries' host pointers, kinds and locations (the scenario
  // executor: interleaving fold and story) turns it off and saves ~12% of an execution.
  bool resolve_trace = true;
};

class SchedRuntime final : public sync::Runtime {
 public:
  // Idle daemon points allowed per point of budget (see count_step).
  static constexpr uint64_t kIdleStepsPerBudgetStep = 4;
  // Findings an agent may report after the stop without reaching a point (on_finding()).
  static constexpr uint32_t kMaxFindingsAfterStop = 1000;
  // `source` must outlive every run(). Not thread-safe: use from one OS thread.
  explicit SchedRuntime(ChoiceSource* source, SchedOptions opts = {});
  ~SchedRuntime() override;
  SchedRuntime(const SchedRuntime&) = delete;
  SchedRuntime& operator=(const SchedRuntime&) = delete;

  // Adds an agent. From the host (before run()) it is started by run(); from a running agent
  // it is a kSpawn scheduling point and the new agent runs to its first point at once.
  // Spawning from the host after a finished run() starts a fresh execution (reset()).
  sync::AgentId spawn(std::string name, std::function<void()> fn, bool daemon) override;

  // Runs the spawned agents to the end of the execution (see the file comment). Precondition:
  // called from the host thread, not from an agent. Rethrows an exception that escaped an agent.
  void run();

  // Forgets the last execution's agents, trace and schedule (keeps pooled stacks).
  void reset();

  // Replaces the choice source for the next run().
  void set_source(ChoiceSource* source) { source_ = source; }
  // Between executions only (a budget that varies per execution keeps the pooled stacks).
  void set_step_budget(uint64_t budget) { opts_.step_budget = budget; }
  void set_grant_cap(uint64_t cap) { opts_.grant_cap = cap; }
  void set_resolve_trace(bool on) { opts_.resolve_trace = on; }
  // The last execution passed the grant cap and was cut off (see the file comment).
  bool cut_off() const { return cut_off_; }

  const Trace& trace() const { return trace_; }
  const Schedule& schedule() const { return schedule_; }
  uint32_t preemptions() const { return preemptions_; }
  // Fiber switches in the last execution (priming and unwinding included).
  uint64_t switches() const { return switches_; }
  size_t agent_count() const { return agents_.size(); }

  // sync::Runtime
  void point(const sync::Event& ev) override;
  void block(const void* obj, const sync::Event& ev) override;
  void wake(const void* obj) override;
  sync::AgentState& agent() override;
  uint64_t step() const override { return step_; }
  void on_finding() override;
  bool should_stop() const override { return stopping_; }
  // Raises this execution's budget by `points` (reset() forgets it); past the grant cap, cuts
  // the execution off.
  void grant_steps(uint64_t points) override;

 private:
  struct Agent;
  struct Unwind {};

  static void agent_main(void* arg);
  void check_stop(Agent* cur, const sync::Event& ev);
  void count_step(const sync::Event& ev);
  void record(Agent* cur, const sync::Event& ev, uint64_t taken_at);
  // `ev`: what `cur` is about to do (nullptr at execution start and agent exit).
  Agent* pick(Agent* cur, bool cur_runnable, const sync::Event* ev = nullptr);
  size_t collect_runnable();
  void reschedule(Agent* cur, bool cur_runnable, const sync::Event* ev);
  void switch_to(Agent* from, Agent* to);
  void prime(Agent* a, Agent* primer);
  void park_primed(Agent* cur);
  [[noreturn]] void exit_agent(Agent* a);
  void finish_execution();
  void unwind_all();
  bool non_daemon_runnable() const { return runnable_non_daemons_ > 0; }
  void set_status(Agent* a, int status);   // every status change: keeps the counts below
  FiberContext* context_of(Agent* a);

  ChoiceSource* source_;
  SchedOptions opts_;
  StackPool stacks_;
  FiberContext host_ctx_;
  sync::AgentState host_state_;
  std::vector<std::unique_ptr<Agent>> agents_;
  // The runnable agents in id order, rebuilt only after a status change (runnable_dirty_): most
  // points change no status, so the set is not rescanned at every choice.
  std::vector<sync::AgentId> runnable_;   // reserved: no allocation at a point
  bool runnable_dirty_ = true;
  uint32_t runnable_count_ = 0;           // agents with status kRunnable
  uint32_t runnable_non_daemons_ = 0;     // ... of which not daemons
  Agent* current_ = nullptr;
  uint64_t step_ = 0;
  uint64_t granted_ = 0;                  // grant_steps() total of this execution
  uint64_t work_steps_ = 0;               // points counted against step_budget + granted_
  uint64_t idle_steps_ = 0;               // daemon points while a non-daemon could run
  uint32_t preemptions_ = 0;
  uint64_t switches_ = 0;
  int live_non_daemons_ = 0;
  bool running_ = false;
  bool finished_ = false;
  bool stop_ = false;
  uint32_t findings_after_stop_ = 0;   // see on_finding()
  bool stopping_ = false;
  bool budget_reported_ = false;
  bool cut_off_ = false;
  std::exception_ptr error_;
  Trace trace_;
  Schedule schedule_;
};

}  // namespace svafuzz::sched
