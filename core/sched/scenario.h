// Scenarios: named, self-checking programs of agents, runnable on either backend, and the
// registry that the CLI, tests and fuzz targets look them up in.
//
// A Scenario object is one execution's world: setup() builds its state and spawns its agents
// on the runtime (WorkerPool for work items included); check() runs on the host after every
// agent finished and reports a finding when the final state is wrong; final_state() prints the
// state for differential checks between backends. Later layers register their scenarios
// (e.g. deferred-free designs) with register_scenario() at start-up.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/sync/runtime.h"

namespace svafuzz::sched {

class Scenario {
 public:
  virtual ~Scenario() = default;
  // Builds state and spawns agents with rt->spawn(). Runs on the host, before the execution.
  virtual void setup(sync::Runtime* rt) = 0;
  // Runs on the host after the execution (no runtime installed); reports findings.
  virtual void check() {}
  // A printable summary of the final state (equal across backends for a correct scenario).
  virtual std::string final_state() const { return ""; }
};

struct ScenarioInfo {
  std::string name;                                   // "lost-update"
  std::string summary;                                // one line for `svafuzz list`
  std::function<std::unique_ptr<Scenario>()> make;
  bool expect_finding = false;                        // a planted bug some schedule exposes
};

// Adds a scenario; a second registration of the same name replaces the first.
void register_scenario(ScenarioInfo info);
// nullptr for an unknown name.
const ScenarioInfo* find_scenario(const std::string& name);
// Every registered scenario, sorted by name.
std::vector<const ScenarioInfo*> all_scenarios();

// Registers the built-in litmus scenarios (builtin_scenarios.cc). Idempotent.
void register_builtin_scenarios();

}  // namespace svafuzz::sched
