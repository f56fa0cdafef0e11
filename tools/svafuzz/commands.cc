// explore, replay and list (see commands.h).
#include "tools/svafuzz/commands.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>

#include "core/sched/exhaustive.h"
#include "core/sched/run.h"
#include "core/sched/scenario.h"
#include "core/sched/strategies.h"

namespace svafuzz::cli {
namespace {

using sched::RunResult;
using sched::ScenarioInfo;

const ScenarioInfo* scenario_or_error(const std::string& name) {
  const ScenarioInfo* info = sched::find_scenario(name);
  if (info == nullptr) {
    std::fprintf(stderr, "svafuzz: unknown scenario '%s'; known:", name.c_str());
    for (const ScenarioInfo* s : sched::all_scenarios()) std::fprintf(stderr, " %s", s->name.c_str());
    std::fprintf(stderr, "\n");
  }
  return info;
}

bool write_json(const std::string& path, const RunResult& r) {
  if (path.empty()) return true;
  std::ofstream o(path);
  o << r.trace.to_json().dump(1) << '\n';
  if (!o) std::fprintf(stderr, "svafuzz: cannot write %s\n", path.c_str());
  return static_cast<bool>(o);
}

void print_result(const RunResult& r, bool quiet) {
  if (!quiet) std::printf("%s", r.trace.format().c_str());
  for (const Finding& f : r.findings) std::printf("FINDING %s\n", format_finding(f).c_str());
  std::printf("final state: %s\nsteps: %" PRIu64 "  trace hash: %016" PRIx64 "\n",
              r.final_state.c_str(), r.steps, r.trace_hash);
}

// Saves a finding's input; returns false if the file cannot be written.
bool save_finding(const ExploreArgs& a, const RunResult& r, uint64_t seed) {
  sched::ScheduleFile f{a.scenario, a.strategy, seed, r.trace_hash, r.schedule};
  std::string path = a.out.empty() ? a.scenario + ".sched" : a.out;
  std::string err;
  if (!sched::save_schedule_file(path, f, &err)) {
    std::fprintf(stderr, "svafuzz: %s\n", err.c_str());
    return false;
  }
  std::printf("saved: %s (replay with: svafuzz replay %s)\n", path.c_str(), path.c_str());
  return true;
}

std::unique_ptr<sched::ChoiceSource> make_source(const ExploreArgs& a, uint64_t seed,
                                                 uint64_t pct_steps) {
  if (a.strategy == "pct") return std::make_unique<sched::PctChoice>(seed, a.depth, pct_steps);
  return std::make_unique<sched::RandomChoice>(seed);
}

// k for PCT: the step count of one non-preemptive execution, unless given.
uint64_t pct_steps(const ExploreArgs& a, sched::SchedRuntime* rt, const ScenarioInfo& info) {
  if (a.pct_steps != 0) return a.pct_steps;
  sched::FuzzBytesChoice none(nullptr, 0);
  return sched::run_sched_on(rt, info, &none).steps;
}

}  // namespace

int cmd_list() {
  sched::register_builtin_scenarios();
  for (const ScenarioInfo* s : sched::all_scenarios()) {
    std::printf("%-16s %s\n", s->name.c_str(), s->summary.c_str());
  }
  return 0;
}

int cmd_explore(const ExploreArgs& a) {
  const ScenarioInfo* info = scenario_or_error(a.scenario);
  if (info == nullptr) return 2;
  sched::SchedOptions opts;
  opts.step_budget = a.budget;
  sched::SchedRuntime rt(nullptr, opts);
  sched::ExhaustiveSearch dfs(a.preemptions);
  uint64_t k = a.strategy == "pct" ? pct_steps(a, &rt, *info) : 0;
  uint64_t runs = 0, with_findings = 0;
  bool exhausted = false;
  for (; runs < a.runs; ++runs) {
    uint64_t seed = a.seed + runs;
    std::unique_ptr<sched::ChoiceSource> src;
    if (a.strategy != "exhaustive") src = make_source(a, seed, k);
    RunResult r = sched::run_sched_on(&rt, *info, src ? src.get() : &dfs);
    if (!r.findings.empty()) {
      if (with_findings++ == 0) {
        std::printf("run %" PRIu64 " (seed %" PRIu64 "):\n", runs, seed);
        print_result(r, a.quiet);
        if (!save_finding(a, r, seed) || !write_json(a.json, r)) return 2;
      }
      if (!a.keep_going) { ++runs; break; }
    }
    if (!src && !dfs.advance()) { ++runs; exhausted = true; break; }
  }
  std::printf("explore: scenario=%s strategy=%s runs=%" PRIu64 " findings=%" PRIu64 "%s%s\n",
              a.scenario.c_str(), a.strategy.c_str(), runs, with_findings,
              a.strategy == "pct" ? (" k=" + std::to_string(k)).c_str() : "",
              exhausted ? " (tree exhausted)" : "");
  return with_findings > 0 ? 1 : 0;
}

int cmd_replay(const ReplayArgs& a) {
  sched::ScheduleFile f;
  std::string err;
  if (!sched::load_schedule_file(a.file, &f, &err)) {
    std::fprintf(stderr, "svafuzz: %s\n", err.c_str());
    return 2;
  }
  const ScenarioInfo* info = scenario_or_error(f.scenario);
  if (info == nullptr) return 2;
  sched::SchedOptions opts;
  opts.step_budget = a.budget;
  RunResult r = sched::replay(*info, f, opts);
  std::printf("replay: scenario=%s strategy=%s seed=%" PRIu64 " choices=%zu\n", f.scenario.c_str(),
              f.strategy.c_str(), f.seed, f.choices.size());
  print_result(r, a.quiet);
  if (!write_json(a.json, r)) return 2;
  if (r.diverged) std::printf("warning: the execution diverged from the saved choices\n");
  if (f.hash != 0 && f.hash != r.trace_hash) {
    std::printf("warning: trace hash differs from the saved %016" PRIx64 "\n", f.hash);
  }
  return r.findings.empty() ? 0 : 1;
}

}  // namespace svafuzz::cli
