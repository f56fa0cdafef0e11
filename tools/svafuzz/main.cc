// svafuzz: explore built-in and registered scenarios under the controlled scheduler, and replay
// saved inputs. Argument parsing only; the commands live in commands.cc.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "core/mm/kernel_profile.h"
#include "core/sched/scenario.h"
#include "tools/svafuzz/commands.h"
#include "tools/svafuzz/free_commands.h"

namespace {

// --kernel accepts a shipped profile only: a bad name is a usage error (exit 2), even where the
// subcommand would not otherwise read it (designs with no --check).
CLI::Validator kernel_profile_check() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        if (svafuzz::mm::find_kernel_profile(name)) return "";
        return "unknown kernel profile '" + name + "'; known: " + svafuzz::mm::kernel_profile_names();
      },
      "PROFILE");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace svafuzz::cli;
  svafuzz::sched::register_builtin_scenarios();

  CLI::App app{"svafuzz: controlled-scheduler exploration and replay of svafuzz scenarios"};
  app.require_subcommand(1);

  app.add_subcommand("list", "List the registered scenarios");

  ExploreArgs ex;
  CLI::App* explore = app.add_subcommand("explore", "Run a scenario under a strategy, report findings");
  explore->add_option("--strategy", ex.strategy, "random | pct | exhaustive")
      ->check(CLI::IsMember({"random", "pct", "exhaustive"}))
      ->capture_default_str();
  explore->add_option("--scenario", ex.scenario, "scenario name (see `svafuzz list`)")
      ->capture_default_str();
  explore->add_option("--seed", ex.seed, "first seed (run i uses seed+i)")->capture_default_str();
  explore->add_option("--runs", ex.runs, "executions (a cap for exhaustive)")
      ->capture_default_str();
  explore->add_option("--depth", ex.depth, "PCT depth d")->check(CLI::Range(1, 16))
      ->capture_default_str();
  explore->add_option("--preemptions", ex.preemptions, "exhaustive preemption bound (-1: none)")
      ->check(CLI::Range(-1, 64))->capture_default_str();
  explore->add_option("--pct-steps", ex.pct_steps, "PCT step estimate k (0: measure)")
      ->capture_default_str();
  explore->add_option("--budget", ex.budget, "step budget per execution")
      ->capture_default_str();
  explore->add_option("--out", ex.out, "save the first finding here (default <scenario>.sched)");
  explore->add_option("--json", ex.json, "write the first finding's trace as JSON");
  explore->add_flag("--keep-going", ex.keep_going, "continue after a finding");
  explore->add_flag("--quiet", ex.quiet, "do not print the interleaving");

  ReplayArgs rp;
  CLI::App* replay = app.add_subcommand("replay", "Re-run a saved input and print its interleaving");
  replay->add_option("FILE", rp.file, "saved input (svafuzz-schedule text file)")->required();
  replay->add_option("--json", rp.json, "write the trace as JSON");
  replay->add_option("--budget", rp.budget, "step budget")->capture_default_str();
  replay->add_flag("--quiet", rp.quiet, "do not print the interleaving");

  DesignsArgs dz;
  CLI::App* designs = app.add_subcommand(
      "designs", "List the free-path designs, or check one (--check NAME) on every litmus shape");
  designs->add_option("--check", dz.check, "design to check on every shape");
  designs->add_option("--shape", dz.shape, "only this litmus shape");
  designs->add_flag("--iommu-agent", dz.iommu_agent, "the IOMMU unit as its own agent");
  designs->add_option("--strategy", dz.strategy, "exhaustive | random | pct | threads")
      ->check(CLI::IsMember({"exhaustive", "random", "pct", "threads"}))->capture_default_str();
  designs->add_option("--depth", dz.depth, "pct: bug depth d (d-1 priority change points)")
      ->check(CLI::Range(1, 8))->capture_default_str();
  designs->add_option("--preemptions", dz.preemptions, "exhaustive preemption bound")
      ->check(CLI::Range(0, 8))->capture_default_str();
  designs->add_option("--runs", dz.runs, "random/pct/threads executions per shape")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}))->capture_default_str();
  designs->add_option("--max-executions", dz.max_executions, "exhaustive: cap per shape")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}))->capture_default_str();
  designs->add_option("--seed", dz.seed, "random/pct: first seed")->capture_default_str();
  designs->add_option("--levels", dz.levels, "paging levels")->check(CLI::IsMember({4, 5}))
      ->capture_default_str();
  designs->add_option("--kernel", dz.kernel, "kernel profile (svafuzz kernels)")
      ->check(kernel_profile_check())->capture_default_str();

  LitmusArgs lt;
  CLI::App* litmus = app.add_subcommand("litmus", "Run litmus files; compare expected and actual");
  litmus->add_option("FILES", lt.files, "litmus/*.litmus")->required();
  litmus->add_option("--design", lt.design, "run each file's shape (once, bound >= 2) on this design, expecting Never");
  litmus->add_flag("--verbose", lt.verbose, "print every finding with its interleaving");
  litmus->add_option("--kernel", lt.kernel, "kernel profile every file runs under (svafuzz kernels)")
      ->check(kernel_profile_check())->capture_default_str();

  app.add_subcommand("kernels", "List the kernel profiles, each behaviour with its source");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if ((explore->parsed() && (ex.runs == 0 || ex.budget == 0)) ||
      (replay->parsed() && rp.budget == 0)) {
    std::fprintf(stderr, "svafuzz: --runs and --budget must be at least 1\n");
    return 2;
  }
  if (app.got_subcommand("list")) return cmd_list();
  if (app.got_subcommand("kernels")) return cmd_kernels();
  if (designs->parsed()) return cmd_designs(dz);
  if (litmus->parsed()) return cmd_litmus(lt);
  if (explore->parsed()) return cmd_explore(ex);
  return cmd_replay(rp);
}
