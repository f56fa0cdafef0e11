// The per-execution cost table (exec_cost.h).
#include "core/scenario/exec_cost.h"

#include <cinttypes>
#include <cstdio>

namespace svafuzz::scenario {

void ExecCost::add(const ExecCost& o) {
  executions += o.executions;
  setup_ns += o.setup_ns;
  run_ns += o.run_ns;
  checks_ns += o.checks_ns;
  teardown_ns += o.teardown_ns;
  points += o.points;
  picks += o.picks;
  switches += o.switches;
}

namespace {

void row(std::string* out, const char* name, uint64_t ns, uint64_t n, uint64_t whole) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-22s %12.0f ns/exec  %5.1f%%\n", name,
                n ? double(ns) / double(n) : 0.0, whole ? 100.0 * double(ns) / double(whole) : 0.0);
  *out += line;
}

}  // namespace

std::string format_exec_cost(const ExecCost& c, uint64_t wall_ns) {
  const uint64_t n = c.executions, sum = c.total_ns();
  const uint64_t whole = wall_ns > sum ? wall_ns : sum;
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "svafuzz cost: %" PRIu64 " executions, %.0f ns/exec in execute() (%.0f exec/s)",
                n, n ? double(sum) / double(n) : 0.0, sum ? 1e9 * double(n) / double(sum) : 0.0);
  out += line;
  if (wall_ns > sum) {
    std::snprintf(line, sizeof line, ", %.0f ns/exec in all (%.0f exec/s)", double(wall_ns) / double(n ? n : 1),
                  wall_ns ? 1e9 * double(n) / double(wall_ns) : 0.0);
    out += line;
  }
  out += "\n";
  row(&out, "setup (boot, world)", c.setup_ns, n, whole);
  row(&out, "run (agents)", c.run_ns, n, whole);
  row(&out, "checks", c.checks_ns, n, whole);
  row(&out, "teardown", c.teardown_ns, n, whole);
  if (wall_ns > sum) row(&out, "outside execute()", wall_ns - sum, n, whole);
  double d = n ? double(n) : 1.0;
  std::snprintf(line, sizeof line,
                "  per execution: %.1f points, %.1f picks, %.1f switches; run phase %.1f ns/point\n",
                double(c.points) / d, double(c.picks) / d, double(c.switches) / d,
                c.points ? double(c.run_ns) / double(c.points) : 0.0);
  out += line;
  return out;
}

}  // namespace svafuzz::scenario
