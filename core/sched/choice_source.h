// The one interface every scheduling strategy implements: given the agents that can run at a
// scheduling point, pick one. Fuzzer bytes, a seeded generator, PCT, replay of a recorded
// schedule and bounded exhaustive search are all ChoiceSources (strategies.h), so the sched
// runtime never knows which one drives it, and every run can be recorded and replayed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/sync/event.h"
#include "core/sync/runtime.h"

namespace svafuzz::sched {

// What a strategy sees at one choice (a scheduling point with at least two runnable agents).
struct ChoicePoint {
  std::span<const sync::AgentId> runnable;   // ascending agent ids, size >= 2
  sync::AgentId current;                     // the agent at the point; kNoAgent if it cannot
                                             // continue (blocked, exited, or execution start)
  uint64_t step;                             // scheduling points taken so far
  uint32_t preemptions;                      // switches away from a runnable agent so far
  const sync::Event* event;                  // what `current` is about to do (or nullptr)
};

class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;

  // A new execution starts (the runtime calls this once per run()).
  virtual void begin_execution() {}

  // Returns an index into cp.runnable. Must be deterministic given the source's state.
  virtual size_t choose(const ChoicePoint& cp) = 0;

  // A fast path the runtime tries first at a choice point where the current agent is runnable
  // (and so are others), before it builds the ChoicePoint. Returns true if choose() would pick
  // the current agent whatever the rest of the runnable set is, with the source's state updated
  // exactly as that choose() would have; false (state untouched) to be asked choose() as usual.
  // `ev` is what the current agent is about to do. The default never takes the fast path.
  virtual bool keeps_current(const sync::Event* ev) { return false; }

  // The execution ended after `steps` scheduling points.
  virtual void end_execution(uint64_t steps) {}

  // True if the source could not follow its input (a replay that diverged).
  virtual bool diverged() const { return false; }

  // Short name for reports ("random", "pct", ...).
  virtual const char* name() const = 0;
};

// Index of `current` in cp.runnable, or cp.runnable.size() when it is not runnable.
inline size_t index_of_current(const ChoicePoint& cp) {
  for (size_t i = 0; i < cp.runnable.size(); ++i) {
    if (cp.runnable[i] == cp.current) return i;
  }
  return cp.runnable.size();
}

}  // namespace svafuzz::sched
