// The story of one execution: each agent's ops with the steps they spanned, then the trace
// window that led to the finding (every agent's scheduling points just before it), so a person
// can read the interleaving that freed a page under a walker.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/sched/trace.h"
#include "core/scenario/ops.h"
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

struct StoryInput {
  const Scenario* scenario;
  std::string design;
  std::vector<OpRecord> ops;
  const sched::Trace* trace;                  // sched backend; nullptr under threads
  std::vector<std::string> agent_names;       // by runtime agent id
  std::vector<std::string> scenario_names;    // by index in Scenario::agents
  uint64_t finding_step;                      // the step the finding was reported at
  size_t window = 48;                         // trace entries shown before the finding
};

std::string format_story(const StoryInput& in);

}  // namespace svafuzz::scenario
