// The scheduling strategies, all behind ChoiceSource:
//   - RandomChoice:     a seeded generator picks uniformly among runnable agents;
//   - FuzzBytesChoice:  each choice consumes one input byte (byte % n), so libFuzzer mutates
//                       schedules; when bytes run out the current agent continues;
//   - ReplayChoice:     feeds back a recorded Schedule; reports divergence;
//   - PctChoice:        PCT with depth d (Burckhardt et al., ASPLOS 2010);
//   - ExhaustiveSearch: DFS over the choice tree with a preemption bound (exhaustive.h).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/sched/choice_source.h"
#include "core/sched/schedule.h"

namespace svafuzz::sched {

// splitmix64: a tiny, fully specified generator, so schedules are identical on every libc++.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). Precondition: n > 0.
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t s_;
};

class RandomChoice final : public ChoiceSource {
 public:
  explicit RandomChoice(uint64_t seed) : rng_(seed) {}
  size_t choose(const ChoicePoint& cp) override { return rng_.below(cp.runnable.size()); }
  const char* name() const override { return "random"; }

 private:
  SplitMix64 rng_;
};

class FuzzBytesChoice final : public ChoiceSource {
 public:
  FuzzBytesChoice(const uint8_t* data, size_t size) : bytes_(data, data + size) {}
  void begin_execution() override { pos_ = 0; }
  size_t choose(const ChoicePoint& cp) override;
  const char* name() const override { return "fuzz"; }
  size_t consumed() const { return pos_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t pos_ = 0;
};

class ReplayChoice final : public ChoiceSource {
 public:
  explicit ReplayChoice(Schedule s) : schedule_(std::move(s)) {}
  void begin_execution() override { pos_ = 0; diverged_ = false; }
  size_t choose(const ChoicePoint& cp) override;
  void end_execution(uint64_t) override { diverged_ |= pos_ != schedule_.size(); }
  bool diverged() const override { return diverged_; }
  const char* name() const override { return "replay"; }

 private:
  Schedule schedule_;
  size_t pos_ = 0;
  bool diverged_ = false;
};

// PCT: agents get random distinct priorities above d; d-1 change points are drawn uniformly
// from [1, k]; at the i-th change point the running agent's priority drops to d-i. The highest
// priority runnable agent always runs. A bug of depth d is found with probability at least
// 1/(n * k^(d-1)) per execution (n agents, k steps). Each begin_execution() draws afresh from
// the generator, so one PctChoice serves a sequence of executions.
//
// Spin-waits: PCT assumes an agent that cannot make progress is not runnable. The model's
// spinners stay runnable and yield (cpu_relax in qi_submit_sync's QI_DONE poll, the idle IOMMU
// agent), so plain PCT would run a high-priority spinner forever while the agent it waits for
// never runs (a false step-budget finding). An agent about to yield (EventKind::kYield) is
// therefore demoted below every priority given so far, without using a change point: a yield
// says "let someone else run", which is what the spinner's partner needs and what the kernel's
// cpu_relax() loop gets from a real CPU. Executions without yields are PCT exactly.
class PctChoice final : public ChoiceSource {
 public:
  // Preconditions: depth >= 1, steps >= 1 (an estimate of the execution's scheduling points).
  PctChoice(uint64_t seed, int depth, uint64_t steps);
  void begin_execution() override;
  size_t choose(const ChoicePoint& cp) override;
  const char* name() const override { return "pct"; }
  uint64_t yield_demotions() const { return demotions_; }   // over every execution

 private:
  int64_t priority_of(uint32_t agent);
  void demote_yielder(const ChoicePoint& cp);

  SplitMix64 rng_;
  int depth_;
  uint64_t steps_;
  std::vector<uint64_t> change_points_;   // sorted steps
  size_t next_change_ = 0;
  std::vector<int64_t> priority_;         // by agent id; kUnassigned = not assigned yet
  int64_t lowest_ = 0;                    // the lowest priority given so far
  uint64_t demotions_ = 0;
};

}  // namespace svafuzz::sched
