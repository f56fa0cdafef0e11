// Fuzzer-byte, replay and PCT choice sources (RandomChoice is inline in strategies.h).
#include "core/sched/strategies.h"

#include <algorithm>
#include <climits>

namespace svafuzz::sched {

size_t FuzzBytesChoice::choose(const ChoicePoint& cp) {
  if (pos_ < bytes_.size()) return bytes_[pos_++] % cp.runnable.size();
  size_t cur = index_of_current(cp);
  return cur < cp.runnable.size() ? cur : 0;   // out of bytes: no preemption
}

size_t ReplayChoice::choose(const ChoicePoint& cp) {
  if (pos_ < schedule_.size()) {
    sync::AgentId want = schedule_[pos_++];
    for (size_t i = 0; i < cp.runnable.size(); ++i) {
      if (cp.runnable[i] == want) return i;
    }
  }
  diverged_ = true;
  size_t cur = index_of_current(cp);
  return cur < cp.runnable.size() ? cur : 0;
}

namespace {
constexpr int64_t kUnassigned = INT64_MIN;
}

PctChoice::PctChoice(uint64_t seed, int depth, uint64_t steps)
    : rng_(seed), depth_(std::max(depth, 1)), steps_(std::max<uint64_t>(steps, 1)) {}

void PctChoice::begin_execution() {
  change_points_.clear();
  for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(steps_));
  std::sort(change_points_.begin(), change_points_.end());
  next_change_ = 0;
  priority_.clear();
  lowest_ = 0;   // change-point priorities are 1 .. d-1; initial ones are above d
}

int64_t PctChoice::priority_of(uint32_t agent) {
  if (agent >= priority_.size()) priority_.resize(agent + 1, kUnassigned);
  if (priority_[agent] == kUnassigned) {
    // Random initial priority above every change-point priority (1 .. d-1); ties are
    // impossible in practice and broken by agent id below.
    priority_[agent] = static_cast<int64_t>(depth_) + 1 + static_cast<int64_t>(rng_.next() >> 2);
  }
  return priority_[agent];
}

void PctChoice::demote_yielder(const ChoicePoint& cp) {
  if (cp.current == sync::kNoAgent || cp.event == nullptr ||
      cp.event->kind != sync::EventKind::kYield) {
    return;
  }
  priority_of(cp.current);
  priority_[cp.current] = --lowest_;
  ++demotions_;
}

size_t PctChoice::choose(const ChoicePoint& cp) {
  for (sync::AgentId a : cp.runnable) priority_of(a);   // assign in a deterministic order
  while (next_change_ < change_points_.size() && cp.step >= change_points_[next_change_]) {
    if (cp.current != sync::kNoAgent) {
      priority_of(cp.current);
      priority_[cp.current] = static_cast<int64_t>(depth_) - 1 - static_cast<int64_t>(next_change_);
    }
    ++next_change_;
  }
  demote_yielder(cp);
  size_t best = 0;
  for (size_t i = 1; i < cp.runnable.size(); ++i) {
    if (priority_[cp.runnable[i]] > priority_[cp.runnable[best]]) best = i;
  }
  return best;
}

}  // namespace svafuzz::sched
