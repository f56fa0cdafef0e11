// The controlled scheduler: choice, switching, priming, stop and unwind (see sched_runtime.h).
#include "core/sched/sched_runtime.h"

#include <exception>
#include <string>
#include <utility>

#include "core/sync/finding.h"
#include "core/sync/mutex.h"
#include "core/sync/rwsem.h"
#include "core/sync/spinlock.h"

namespace svafuzz::sched {

using sync::AgentId;
using sync::Event;
using sync::EventKind;

struct SchedRuntime::Agent {
  enum class Status { kRunnable, kBlocked, kDone };
  SchedRuntime* rt = nullptr;
  sync::AgentState state;
  std::function<void()> fn;
  std::unique_ptr<Fiber> fiber;
  Status status = Status::kRunnable;
  const void* blocked_on = nullptr;
  Agent* primer = nullptr;     // who started it; gets control back at its first point
  bool daemon = false;
  bool priming = true;         // not yet parked at its first point
  bool resumed = false;        // woken from block(): next point performs without a choice
  bool unwinding = false;      // Unwind thrown: points are no-ops from now on
};

namespace {

bool is_release(EventKind k) {
  return k == EventKind::kSpinRelease || k == EventKind::kMutexRelease ||
         k == EventKind::kRwsemRelease;
}

// Lock events carry the lock's name into the trace (read now: the lock may die later).
const char* lock_label(const Event& ev) {
  switch (ev.kind) {
    case EventKind::kSpinAcquire:
    case EventKind::kSpinRelease:
      return static_cast<const sync::spinlock_t*>(ev.object)->name;
    case EventKind::kMutexAcquire:
    case EventKind::kMutexRelease:
      return static_cast<const sync::mutex*>(ev.object)->name;
    case EventKind::kRwsemAcquire:
    case EventKind::kRwsemRelease:
      return static_cast<const sync::rw_semaphore*>(ev.object)->name;
    default:
      return nullptr;
  }
}

}  // namespace

SchedRuntime::SchedRuntime(ChoiceSource* source, SchedOptions opts)
    : source_(source), opts_(opts), stacks_(opts.stack_size), trace_(opts.trace_reserve) {
  host_state_.name = "scheduler";
  runnable_.reserve(64);
}

SchedRuntime::~SchedRuntime() { reset(); }

void SchedRuntime::reset() {
  agents_.clear();   // fibers are finished or never started: stacks go back to the pool
  current_ = nullptr;
  step_ = 0;
  granted_ = 0;
  work_steps_ = 0;
  idle_steps_ = 0;
  preemptions_ = 0;
  switches_ = 0;
  live_non_daemons_ = 0;
  runnable_count_ = runnable_non_daemons_ = 0;
  runnable_dirty_ = true;
  finished_ = stop_ = stopping_ = budget_reported_ = cut_off_ = false;
  findings_after_stop_ = 0;
  error_ = nullptr;
  trace_.clear();
  schedule_.clear();
}

AgentId SchedRuntime::spawn(std::string name, std::function<void()> fn, bool daemon) {
  Agent* spawner = current_;
  if (spawner != nullptr) point(Event{EventKind::kSpawn, nullptr, SVAFUZZ_HERE});
  if (spawner == nullptr && finished_) reset();
  auto a = std::make_unique<Agent>();
  a->rt = this;
  a->state.id = static_cast<AgentId>(agents_.size());
  a->state.name = std::move(name);
  a->fn = std::move(fn);
  a->daemon = daemon;
  a->fiber = std::make_unique<Fiber>(&stacks_, &SchedRuntime::agent_main, a.get());
  if (runnable_.capacity() < agents_.size() + 1) runnable_.reserve(2 * agents_.size() + 1);
  if (!daemon) ++live_non_daemons_;
  ++runnable_count_;   // an agent starts runnable
  if (!daemon) ++runnable_non_daemons_;
  runnable_dirty_ = true;
  Agent* raw = a.get();
  agents_.push_back(std::move(a));
  if (spawner != nullptr) prime(raw, spawner);
  return raw->state.id;
}

void SchedRuntime::run() {
  sync::RuntimeScope scope(this);
  fiber_init_host(&host_ctx_);
  running_ = true;
  source_->begin_execution();
  for (size_t i = 0; i < agents_.size() && !stop_; ++i) prime(agents_[i].get(), nullptr);
  if (!stop_) {
    if (Agent* first = pick(nullptr, false)) switch_to(nullptr, first);
  }
  finish_execution();
  running_ = false;
  finished_ = true;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void SchedRuntime::finish_execution() {
  if (!stop_ && live_non_daemons_ > 0) {
    std::string who;
    for (auto& a : agents_) {
      if (a->status == Agent::Status::kBlocked && !a->daemon) who += " " + a->state.name;
    }
    report_finding(Detector::kDeadlock, "no runnable agent; blocked:" + who);
  }
  unwind_all();
  source_->end_execution(step_);
  std::vector<std::string> names;
  for (auto& a : agents_) names.push_back(a->state.name);
  trace_.set_agent_names(std::move(names));
  if (opts_.resolve_trace) trace_.resolve();
}

void SchedRuntime::unwind_all() {
  stop_ = true;
  for (auto& a : agents_) {
    while (a->status != Agent::Status::kDone) switch_to(nullptr, a.get());
  }
  current_ = nullptr;
}

// ---- scheduling points ----------------------------------------------------------------------

void SchedRuntime::point(const Event& ev) {
  Agent* cur = current_;
  if (cur == nullptr || cur->unwinding) return;
  if (stop_) return check_stop(cur, ev);
  count_step(ev);
  const uint64_t taken_at = step_;
  if (stop_) return check_stop(cur, ev);
  if (cur->priming) {
    park_primed(cur);
  } else if (cur->resumed) {
    cur->resumed = false;
  } else {
    reschedule(cur, true, &ev);
  }
  if (stop_) return check_stop(cur, ev);
  record(cur, ev, taken_at);
}

void SchedRuntime::block(const void* obj, const Event& ev) {
  Agent* cur = current_;
  if (cur == nullptr || cur->unwinding) return;
  if (stop_) return check_stop(cur, ev);
  count_step(ev);
  if (stop_) return check_stop(cur, ev);
  const uint64_t taken_at = step_;
  if (cur->priming) park_primed(cur);
  if (stop_) return check_stop(cur, ev);
  record(cur, ev, taken_at);
  set_status(cur, int(Agent::Status::kBlocked));
  cur->blocked_on = obj;
  reschedule(cur, false, &ev);
  cur->resumed = true;
  if (stop_) check_stop(cur, ev);
}

void SchedRuntime::wake(const void* obj) {
  for (auto& a : agents_) {
    if (a->status == Agent::Status::kBlocked && a->blocked_on == obj) {
      set_status(a.get(), int(Agent::Status::kRunnable));
      a->blocked_on = nullptr;
    }
  }
}

// A finding stops the execution at the reporting agent's next point. An agent that keeps
// reporting without reaching one is looping with no point (a design walking a list its bug made
// cyclic, "freeing" each entry again): it would spin for ever while its findings filled memory
// (measured: a PCT run of double-enqueue grew to 3 GB and was killed). Past
// kMaxFindingsAfterStop such reports it is unwound here, as a point would unwind it. Never
// while an exception is already unwinding the stack (a report from a destructor).
void SchedRuntime::on_finding() {
  if (stop_ && current_ != nullptr && !current_->unwinding && std::uncaught_exceptions() == 0 &&
      ++findings_after_stop_ > kMaxFindingsAfterStop) {
    current_->unwinding = true;
    throw Unwind{};
  }
  stop_ = true;
}

sync::AgentState& SchedRuntime::agent() {
  return current_ != nullptr ? current_->state : host_state_;
}

// Precondition: stop_. Throws Unwind unless `ev` is a release (which may run in a destructor).
void SchedRuntime::check_stop(Agent* cur, const Event& ev) {
  if (is_release(ev.kind)) return;
  cur->unwinding = true;
  throw Unwind{};
}

void SchedRuntime::set_status(Agent* a, int status) {
  auto s = static_cast<Agent::Status>(status);
  if (a->status == s) return;
  const bool was = a->status == Agent::Status::kRunnable, is = s == Agent::Status::kRunnable;
  a->status = s;
  if (was == is) return;
  runnable_count_ += is ? 1 : -1;
  if (!a->daemon) runnable_non_daemons_ += is ? 1 : -1;
  runnable_dirty_ = true;
}

// A daemon's point while a non-daemon agent can run (an IOMMU unit polling a pending wait
// while a CPU maps 262,144 PTEs) is idle time, not a livelock of the execution: it counts
// against a separate, larger allowance, so the daemons' share of the schedule does not eat
// the work budget, and a daemon that spins forever still ends the execution.
void SchedRuntime::count_step(const Event& ev) {
  ++step_;
  if (budget_reported_) return;
  const uint64_t budget = opts_.step_budget + granted_;
  const bool idle = current_->daemon && non_daemon_runnable();
  const uint64_t used = idle ? ++idle_steps_ : ++work_steps_;
  const uint64_t limit = idle ? kIdleStepsPerBudgetStep * budget : budget;
  if (used <= limit) return;
  budget_reported_ = true;
  report_finding(Detector::kStepBudget,
                 "execution exceeded " + std::to_string(limit) + (idle ? " idle daemon" : "") +
                     " steps (budget " + std::to_string(opts_.step_budget) + " plus " +
                     std::to_string(granted_) + " granted for bulk table work" +
                     (idle ? ", times " + std::to_string(kIdleStepsPerBudgetStep) : "") + ")",
                 ev.loc);
}

void SchedRuntime::grant_steps(uint64_t points) {
  granted_ += points;
  if (opts_.grant_cap == 0 || granted_ <= opts_.grant_cap || stop_) return;
  cut_off_ = true;
  stop_ = true;   // the caller unwinds at its next point
}

void SchedRuntime::record(Agent* cur, const Event& ev, uint64_t taken_at) {
  trace_.record(taken_at, cur->state.id, ev, lock_label(ev));
}

// ---- choosing and switching -----------------------------------------------------------------

size_t SchedRuntime::collect_runnable() {
  if (!runnable_dirty_) return runnable_.size();
  runnable_.clear();
  for (auto& a : agents_) {
    if (a->status == Agent::Status::kRunnable) runnable_.push_back(a->state.id);
  }
  runnable_dirty_ = false;
  return runnable_.size();
}

SchedRuntime::Agent* SchedRuntime::pick(Agent* cur, bool cur_runnable, const Event* ev) {
  size_t n = collect_runnable();
  if (n == 0 && live_non_daemons_ == 0 && !stopping_) {
    stopping_ = true;   // kthread_should_stop(): daemons leave their idle loops
    for (auto& a : agents_) {
      if (a->daemon && a->status == Agent::Status::kBlocked) wake(a->blocked_on);
    }
    n = collect_runnable();
  }
  if (n == 0) return nullptr;
  size_t idx = 0;
  if (n > 1) {
    ChoicePoint cp{std::span<const AgentId>(runnable_.data(), n),
                   cur_runnable ? cur->state.id : sync::kNoAgent, step_, preemptions_, ev};
    idx = source_->choose(cp);
    if (idx >= n) idx = n - 1;
    schedule_.push_back(runnable_[idx]);
  }
  Agent* next = agents_[runnable_[idx]].get();
  if (cur_runnable && next != cur) ++preemptions_;
  return next;
}

void SchedRuntime::reschedule(Agent* cur, bool cur_runnable, const Event* ev) {
  // Fast path: a choice (two or more runnable) that the source settles for the current agent
  // without looking at the set (a run in progress). Same schedule entry, no preemption, no
  // switch: exactly what pick() would have done.
  if (cur_runnable && runnable_count_ >= 2 && source_->keeps_current(ev)) {
    schedule_.push_back(cur->state.id);
    return;
  }
  Agent* next = pick(cur, cur_runnable, ev);
  if (next != cur) switch_to(cur, next);
}

FiberContext* SchedRuntime::context_of(Agent* a) {
  return a != nullptr ? a->fiber->context() : &host_ctx_;
}

void SchedRuntime::switch_to(Agent* from, Agent* to) {
  ++switches_;
  current_ = to;
  fiber_switch(context_of(from), context_of(to));
  current_ = from;
}

void SchedRuntime::prime(Agent* a, Agent* primer) {
  a->primer = primer;
  switch_to(primer, a);
}

void SchedRuntime::park_primed(Agent* cur) {
  cur->priming = false;
  switch_to(cur, cur->primer);
}

void SchedRuntime::agent_main(void* arg) {
  auto* a = static_cast<Agent*>(arg);
  try {
    a->fn();
  } catch (const Unwind&) {
  } catch (...) {
    a->rt->error_ = std::current_exception();
    a->rt->stop_ = true;
  }
  a->rt->exit_agent(a);
}

void SchedRuntime::exit_agent(Agent* a) {
  set_status(a, int(Agent::Status::kDone));
  if (!a->daemon) --live_non_daemons_;
  if (!a->unwinding && !stop_) record(a, Event{EventKind::kExit, nullptr, sync::SourceLoc{}}, step_);
  Agent* next = nullptr;
  if (a->priming) {
    next = a->primer;   // finished before its first point
  } else if (!stop_) {
    next = pick(a, false);
  }
  current_ = next;
  ++switches_;
  fiber_switch(a->fiber->context(), context_of(next), /*from_exits=*/true);
  __builtin_unreachable();
}

}  // namespace svafuzz::sched
