// Running a design on a shape: one execution, a bounded exhaustive search, seeded random or
// PCT executions, or real threads; and the outcome (first finding, or clean) they produce.
//
// Every run builds a fresh FreePathWorld per execution (world_scenario), installs the design
// by name, runs the shape's agents and ends with the world's teardown checks (stranded/leak).
//
// Exhaustive search uses FairBoundedSearch: core/sched's ExhaustiveSearch(k), plus a fairness
// rule. The model has spin-waits (qi_submit_sync polls its wait descriptor; the wait completes
// only after in-flight walks end), and a preemption-bounded search whose bound is spent would
// keep running the spinner forever (a false step-budget finding). So when the current agent
// has been kept running for `fair_run` consecutive choices, the next choice is a forced,
// deterministic switch to the next runnable agent, not charged to the bound (CHESS's fair
// scheduling assumption: a spinning agent is eventually descheduled). Paths without such long
// runs are explored exactly as ExhaustiveSearch(k) would.
//
// ASan reports abort the process; run_isolated() (isolate.h) forks to survive them.
#pragma once
#include <cstdint>
#include <string>

#include "core/free/world.h"
#include "core/sched/choice_source.h"
#include "core/sched/exhaustive.h"
#include "core/sched/run.h"

namespace svafuzz::free {

enum class Strategy : uint8_t { kExhaustive, kRandom, kThreads, kPct };

struct ExploreOptions {
  std::string design = "mainline";
  std::string kernel = "v6.19";     // kernel profile (core/mm/kernel_profile.h)
  std::string shape = "FreeQ.FreeP+DmaP+DmaP";
  int levels = 4;
  Strategy strategy = Strategy::kExhaustive;
  int preemptions = 2;              // exhaustive bound k
  uint64_t seed = 1;                // random / pct: first seed (execution i uses seed + i)
  uint64_t runs = 200;              // random / threads / pct: executions
  int depth = 2;                    // pct: bug depth d (d-1 priority change points)
  uint64_t max_executions = 200000; // exhaustive: give up (reported) after this many
  uint64_t step_budget = 20000;
  // kSynchronous by default for exhaustive search: in kAgent mode the idle IOMMU agent polls
  // its queue, and every poll would be a branch of the search. Random, pct and threads use
  // kAgent (tools/svafuzz sets it).
  bool iommu_agent = false;
};

struct Outcome {
  bool found = false;
  std::string detector;             // detector_name of the first finding
  std::string message;              // format_finding of the first finding
  uint64_t executions = 0;
  bool complete = true;             // exhaustive: the tree was explored to the end
  sched::Schedule schedule;         // the finding's choices (sched strategies)
  uint64_t seed = 0;                // random / pct: the seed of the finding's execution
  uint64_t pct_steps = 0;           // pct: k, the steps of one non-preemptive execution
  std::string trace;                // the finding's interleaving (format())
};

// A sched::ScenarioInfo that runs `design` on `shape` (for run_sched/run_threads/replay).
// Precondition: both names are registered.
sched::ScenarioInfo world_scenario(const ExploreOptions& o);

// Returns false with *error set for an unknown design or shape or a bad option.
bool validate(const ExploreOptions& o, std::string* error);

// Runs the strategy until the first finding or the end. Precondition: validate() passed.
Outcome explore(const ExploreOptions& o);

class FairBoundedSearch final : public sched::ChoiceSource {
 public:
  explicit FairBoundedSearch(int preemption_bound, uint32_t fair_run = 256)
      : inner_(preemption_bound), fair_run_(fair_run) {}
  void begin_execution() override;
  size_t choose(const sched::ChoicePoint& cp) override;
  void end_execution(uint64_t steps) override { inner_.end_execution(steps); }
  bool diverged() const override { return inner_.diverged(); }
  const char* name() const override { return "exhaustive"; }
  bool advance() { return inner_.advance(); }
  uint64_t executions() const { return inner_.executions(); }
  uint64_t forced_switches() const { return forced_total_; }

 private:
  sched::ExhaustiveSearch inner_;
  uint32_t fair_run_;
  uint32_t run_ = 0;
  uint32_t forced_ = 0;
  uint64_t forced_total_ = 0;
};

}  // namespace svafuzz::free
