// Depth-first enumeration of schedules with a preemption bound.
#include "core/sched/exhaustive.h"

namespace svafuzz::sched {

void ExhaustiveSearch::begin_execution() { depth_ = 0; }

size_t ExhaustiveSearch::choose(const ChoicePoint& cp) {
  size_t cur = index_of_current(cp);
  bool can_continue = cur < cp.runnable.size();
  if (can_continue && bound_ >= 0 && cp.preemptions >= static_cast<uint32_t>(bound_)) {
    return cur;   // the bound is spent: no choice here
  }
  auto n = static_cast<uint32_t>(cp.runnable.size());
  if (depth_ == path_.size()) path_.push_back(Frame{n, 0});
  Frame& f = path_[depth_++];
  if (f.options != n) {
    diverged_ = true;   // the program is not deterministic given its choices
    f.options = n;
    if (f.taken >= n) f.taken = n - 1;
  }
  return f.taken;
}

void ExhaustiveSearch::end_execution(uint64_t) {
  ++executions_;
  path_.resize(depth_);   // a shorter path than last time: drop stale frames
}

bool ExhaustiveSearch::advance() {
  while (!path_.empty() && path_.back().taken + 1 >= path_.back().options) path_.pop_back();
  if (path_.empty()) return false;
  ++path_.back().taken;
  return true;
}

}  // namespace svafuzz::sched
