// Running one scenario execution on a backend and collecting what happened: findings, the
// trace and its hash, the recorded schedule, and the final state. The entry point the CLI,
// tests and fuzz targets share.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/sched/choice_source.h"
#include "core/sched/sched_runtime.h"
#include "core/sched/scenario.h"
#include "core/sched/schedule.h"
#include "core/sync/finding.h"

namespace svafuzz::sched {

struct RunResult {
  std::vector<Finding> findings;
  std::string final_state;
  // sched backend only:
  Schedule schedule;
  uint64_t trace_hash = 0;
  uint64_t steps = 0;
  Trace trace;                 // format() prints the interleaving, to_json() exports it
  bool diverged = false;       // the choice source could not follow its input
};

// One execution under the sched backend with `source`. Clears the process-wide finding log
// first; check() runs only if the execution itself reported nothing.
RunResult run_sched(const ScenarioInfo& info, ChoiceSource* source, const SchedOptions& opts = {});
// The same on a caller-owned runtime (reuses its fiber stacks across many executions).
RunResult run_sched_on(SchedRuntime* rt, const ScenarioInfo& info, ChoiceSource* source);

// One execution under the threads backend.
RunResult run_threads(const ScenarioInfo& info);

// Replays a saved input (scenario + choices) under the sched backend.
RunResult replay(const ScenarioInfo& info, const ScheduleFile& file, const SchedOptions& opts = {});

}  // namespace svafuzz::sched
