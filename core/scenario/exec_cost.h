// Where an execution's time goes: the per-execution cost breakdown behind bench/fuzz/cost.sh
// (issue: 10,000 executions per second per core). execute() fills one ExecCost per execution
// when ExecOptions::cost is set; the fuzz targets sum them over a run (SVAFUZZ_COST=1) and
// print the table at exit, so the figures come from the real target under its real engine.
//
// Phases (wall-clock, steady_clock, ns):
//   setup     FreePathWorld: boot the simulated kernel, IOMMU units, devices, SVA binds, kernel
//             slots; the op runner; runtime reset, world start and agent spawn
//   run       the agents, from the first scheduling point to the last exit (points, picks,
//             fiber switches and the model's own work; perf splits it, bench/fuzz/cost.sh)
//   checks    the interleaving signal fold, the world's teardown checks (drain, stranded,
//             leaked, dangling), the finding signature and story
//   teardown  destroying the world and resetting the runtime (frames back to ASan's heap)
// Counts per execution: points (scheduling points), picks (points where the choice source was
// asked: two or more runnable agents), switches (fiber switches).
#pragma once
#include <cstdint>
#include <string>

namespace svafuzz::scenario {

struct ExecCost {
  uint64_t executions = 0;
  uint64_t setup_ns = 0, run_ns = 0, checks_ns = 0, teardown_ns = 0;
  uint64_t points = 0, picks = 0, switches = 0;

  uint64_t total_ns() const { return setup_ns + run_ns + checks_ns + teardown_ns; }
  void add(const ExecCost& o);
};

// The table: each phase in ns per execution and its share, the counts per execution, ns per
// point of the run phase; `wall_ns` (the process's time over the same executions, engine
// included) adds an "outside execute()" row when it is larger than the phases' sum.
std::string format_exec_cost(const ExecCost& c, uint64_t wall_ns);

}  // namespace svafuzz::scenario
