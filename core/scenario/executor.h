// The scenario executor: runs one Scenario on a FreePathWorld (core/free/world.h) with the
// design under test, on the sched backend (choices from the scenario's schedule stream) or on
// real threads, and reports what the detectors found plus the story of the execution.
//
// Sched backend: every agent is a fiber; the StreamChoice source turns the schedule stream into
// the interleaving, so an execution is a pure function of (scenario, design, ops mask) and a
// reproducer replays exactly. Threads backend: the same agents on std::threads (for
// ThreadSanitizer); the OS picks the interleaving and the schedule stream is unused.
//
// After the agents finish, FreePathWorld::teardown() drains pending work and reports stranded
// or leaked page-table frames (skipped when the execution already reported a finding).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/mm/kernel_profile.h"
#include "core/scenario/exec_cost.h"
#include "core/scenario/ops.h"
#include "core/scenario/scenario.h"
#include "core/scenario/signature.h"
#include "core/sync/finding.h"

namespace svafuzz::scenario {

enum class Backend : uint8_t { kSched, kThreads };

// The grant cap (ExecOptions::grant_cap). Measured on the corpus of a 10-minute v6.19-fixed
// hunt of mainline (1,067 inputs): the 87 inputs over 100 ms (4 to 24 M points: refused 1 GiB
// promotions falling back to 262,144 PTEs, and ptdumps reading them) took 78% of the replay
// time, while the largest regression reproducer takes 19,839 points in all. 2^18 granted
// points allow one whole 1 GiB PTE map or scan per execution. Replaying that corpus in one gcc
// process took 22.5 s uncapped, 11.2 s at 2^20 and 5.3 s at 2^18; 600 s main-job hunts with
// the planted hot-remove-frees-at-once found it at 124 s at 2^18, and not at 2^20 (34,845
// executions). Cut-off executions skip the teardown checks (the world stopped mid-op); their
// prefix was explored like any other.
constexpr uint64_t kGrantCapPerExecution = uint64_t(1) << 18;

struct ExecOptions {
  Backend backend = Backend::kSched;
  std::string design = "mainline";   // a registered design (core/free/registry.h)
  // The simulated kernel (core/mm/kernel_profile.h). v6.19 here, the regression suite's
  // default; the fuzz targets default to v6.19-fixed (fuzz_entry.h).
  const mm::KernelProfile* kernel = &mm::kernel_v6_19();
  uint32_t ops_mask = ~0u;           // bit i: OpKind i runs (others are skipped)
  // sched: scheduling points before a step-budget finding: step_budget plus
  // kStepBudgetPerOp for every op of the scenario (step_budget_for()).
  uint64_t step_budget = 200000;
  // sched: granted points (bulk table work) before the execution is cut off, with no finding
  // (SchedOptions::grant_cap); 0: no cap. See kGrantCapPerExecution.
  uint64_t grant_cap = kGrantCapPerExecution;
  uint8_t* counters = nullptr;       // sched: interleaving signal (interleave.h), or nullptr
  size_t ncounters = 0;
  bool story = true;                 // build the story when there is a finding
  bool story_always = false;         // ... and also when there is none
  size_t story_window = 48;          // trace entries shown before the finding (SVAFUZZ_STORY_WINDOW)
  ExecCost* cost = nullptr;          // if set, this execution's phases are added to it (exec_cost.h)
};

struct ExecResult {
  std::vector<Finding> findings;
  uint64_t steps = 0;
  bool cut_off = false;              // sched: passed the grant cap and was stopped there
  std::string story;                 // the readable interleaving (only with a finding)
  Signature signature;               // of the first finding (signature.h); empty without one
};

// Runs `s` once. Precondition: opts.design is registered (design_exists()). Clears the
// process-wide finding log before and after. Not re-entrant: one execution at a time.
ExecResult execute(const Scenario& s, const ExecOptions& opts);

// A legitimate execution can be long: one ptdump of init_mm takes ~7,000 points at 4 levels
// and ~9,300 at 5 (measured), and a scenario may hold 128 ops, so a fixed budget flagged long
// but finite executions (a 30-minute fuzzing run on mainline hit 200,000 with a few ptdump
// walkers). The budget grows with the work: base + kStepBudgetPerOp per op, plus what the
// model grants at run time for scans and writes of whole tables (sync::grant_steps): a 1 GiB
// huge vmap whose promotion is refused maps 262,144 PTEs (vmap_pte_range), and every ptdump
// then reads them all. An estimate from the ops alone either flagged those (a false
// step-budget finding in 24 s of a v6.19-fixed hunt on mainline, 13 ptdumps after one refused
// 1 GiB promotion) or, uncapped, let the trace grow to a 2 GiB allocation.
constexpr uint64_t kStepBudgetPerOp = 20000;

uint64_t step_budget_for(const Scenario& s, uint64_t base);

bool design_exists(const std::string& name);
// Registered design names, comma-separated, for error messages.
std::string design_names();

// Parses SVAFUZZ_OPS: a comma-separated list of op names, or a profile name ("all",
// "free-path": the ops whose frees the deferred free path covers). Returns false on an unknown
// name, with a message in *err.
bool parse_ops_mask(const std::string& spec, uint32_t* mask, std::string* err);

// The story of the execution that is running right now (for an AddressSanitizer death
// callback: the report happens inside a walk, before execute() returns). Empty if none.
std::string live_story();

// The signature of an AddressSanitizer report in the execution running right now: `description`
// from __asan_get_report_description(), `address` the bad address (resolved to the simulated
// frame holding it, if any); the walker is the running agent. Empty if none runs.
Signature live_signature(const std::string& description, const void* address);

}  // namespace svafuzz::scenario
