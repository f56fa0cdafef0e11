// Bounded exhaustive search: depth-first over the choice tree, re-executing from scratch for
// every path (loom's approach). With a preemption bound k, a choice that would switch away from
// a runnable agent is only offered while fewer than k preemptions happened on the path.
//
// Use:
//   ExhaustiveSearch dfs(k);
//   do { run one execution with &dfs as the source; } while (dfs.advance());
//   dfs.executions() is the number of distinct interleavings explored.
// Contract: the program must be deterministic given its choices (divergence is reported).
#pragma once
#include <cstdint>
#include <vector>

#include "core/sched/choice_source.h"

namespace svafuzz::sched {

class ExhaustiveSearch final : public ChoiceSource {
 public:
  // preemption_bound < 0: unbounded.
  explicit ExhaustiveSearch(int preemption_bound = -1) : bound_(preemption_bound) {}

  void begin_execution() override;
  size_t choose(const ChoicePoint& cp) override;
  void end_execution(uint64_t steps) override;
  bool diverged() const override { return diverged_; }
  const char* name() const override { return "exhaustive"; }

  // Moves to the next unexplored path; false when the tree is exhausted.
  bool advance();
  uint64_t executions() const { return executions_; }

 private:
  struct Frame {
    uint32_t options;
    uint32_t taken;
  };

  int bound_;
  std::vector<Frame> path_;
  size_t depth_ = 0;
  uint64_t executions_ = 0;
  bool diverged_ = false;
};

}  // namespace svafuzz::sched
