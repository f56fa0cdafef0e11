// `svafuzz designs` and `svafuzz litmus` (see free_commands.h).
#include "tools/svafuzz/free_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "core/free/explore.h"
#include "core/free/isolate.h"
#include "core/free/litmus.h"
#include "core/free/registry.h"
#include "core/free/shapes.h"
#include "core/mm/kernel_profile.h"

namespace svafuzz::cli {
namespace {

using free::Outcome;

void print_finding(const std::string& what, const Outcome& o, bool trace) {
  std::printf("--- %s: %s after %llu execution(s)\n%s\n", what.c_str(), o.detector.c_str(),
              static_cast<unsigned long long>(o.executions), o.message.c_str());
  if (o.pct_steps != 0) {
    std::printf("pct: seed %llu, k=%llu\n", static_cast<unsigned long long>(o.seed),
                static_cast<unsigned long long>(o.pct_steps));
  }
  if (!o.schedule.empty()) {
    std::printf("choices");
    for (auto a : o.schedule) std::printf(" %u", a);
    std::printf("\n");
  }
  if (trace && !o.trace.empty()) std::printf("%s\n", o.trace.c_str());
}

int list_designs() {
  std::printf("%-20s %-8s %-28s %s\n", "design", "expected", "detectors", "summary");
  for (const free::DesignInfo* d : free::all_designs()) {
    // A plug-in's verdict is what its author hopes for, not a shipped expectation.
    std::printf("%-20s %-8s %-28s %s\n", d->name.c_str(),
                d->plugin ? "plug-in" : free::verdict_name(d->verdict),
                d->detectors.empty() ? "-" : d->detectors.c_str(), d->summary.c_str());
  }
  return 0;
}

bool parse_strategy(const std::string& s, free::Strategy* out) {
  if (s == "exhaustive") *out = free::Strategy::kExhaustive;
  else if (s == "random") *out = free::Strategy::kRandom;
  else if (s == "threads") *out = free::Strategy::kThreads;
  else if (s == "pct") *out = free::Strategy::kPct;
  else return false;
  return true;
}

// "pct" carries its depth ("pct-d2"), so tables of several arms stay readable.
std::string strategy_label(const DesignsArgs& a) {
  return a.strategy == "pct" ? "pct-d" + std::to_string(a.depth) : a.strategy;
}

}  // namespace

int cmd_kernels() {
  for (const mm::KernelProfile* p : mm::all_kernel_profiles()) {
    std::printf("%-12s %s\n", p->name, p->summary);
    // "+" a behaviour the profile has; "-" one of v6.19's that it lacks.
    for (const mm::KernelBehaviourInfo& b : mm::all_kernel_behaviours()) {
      bool on = p->*(b.flag), in_v619 = mm::kernel_v6_19().*(b.flag);
      if (!on && !in_v619) continue;
      std::printf("  %c %-34s [%s] %s\n    %-34s source: %s\n", on ? '+' : '-', b.name, b.status, b.what,
                  "", b.source);
    }
  }
  std::printf("Choose one with --kernel (svafuzz, ci/hunt.sh, ci/plugin.sh, ci/litmus.sh) or "
              "SVAFUZZ_KERNEL / -kernel= (fuzz targets). Details: docs/model-mm.md section 11.\n");
  return 0;
}

int cmd_designs(const DesignsArgs& a) {
  if (a.check.empty()) return list_designs();
  if (!mm::find_kernel_profile(a.kernel)) {
    std::fprintf(stderr, "svafuzz designs: unknown kernel profile '%s'; known: %s\n", a.kernel.c_str(),
                 mm::kernel_profile_names().c_str());
    return 2;
  }
  free::ExploreOptions o;
  o.design = a.check;
  o.kernel = a.kernel;
  o.levels = a.levels;
  o.preemptions = a.preemptions;
  o.depth = a.depth;
  o.runs = a.runs;
  o.seed = a.seed;
  o.max_executions = a.max_executions;
  if (!parse_strategy(a.strategy, &o.strategy)) {
    std::fprintf(stderr, "svafuzz designs: unknown strategy '%s'\n", a.strategy.c_str());
    return 2;
  }
  // Exhaustive search drives the IOMMU synchronously (docs/designs.md); the others use the agent.
  o.iommu_agent = a.iommu_agent || o.strategy != free::Strategy::kExhaustive;
  int found = 0;
  std::printf("%-24s %-10s %-12s %10s %8s\n", "shape", "strategy", "result", "executions", "seconds");
  if (!a.shape.empty() && !free::find_shape(a.shape)) {
    std::fprintf(stderr, "svafuzz designs: unknown shape '%s'\n", a.shape.c_str());
    return 2;
  }
  for (const free::ShapeInfo& s : free::all_shapes()) {
    if (!a.shape.empty() && s.name != a.shape) continue;
    o.shape = s.name;
    std::string error;
    if (!free::validate(o, &error)) {
      std::fprintf(stderr, "svafuzz designs: %s\n", error.c_str());
      return 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    Outcome out = free::run_isolated([&o] { return free::explore(o); });
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-24s %-10s %-12s %10llu %8.2f\n", s.name.c_str(), strategy_label(a).c_str(),
                out.found ? ("FOUND " + out.detector).c_str()
                          : (out.complete ? "clean" : "incomplete"),
                static_cast<unsigned long long>(out.executions), secs);
    if (out.found) {
      ++found;
      print_finding(s.name + "." + a.check, out, false);
    }
  }
  std::printf("%s %s: %d shape(s) with a finding\n", found ? "FLAGGED" : "CLEAN", a.check.c_str(),
              found);
  return found ? 1 : 0;
}

int cmd_litmus(const LitmusArgs& a) {
  std::vector<free::LitmusTest> tests;
  if (!mm::find_kernel_profile(a.kernel)) {
    std::fprintf(stderr, "svafuzz litmus: unknown kernel profile '%s'; known: %s\n", a.kernel.c_str(),
                 mm::kernel_profile_names().c_str());
    return 2;
  }
  for (const std::string& f : a.files) {
    free::LitmusTest t;
    std::string error;
    if (!free::parse_litmus(f, &t, &error)) {
      std::fprintf(stderr, "svafuzz litmus: %s\n", error.c_str());
      return 2;
    }
    t.opts.kernel = a.kernel;
    tests.push_back(t);
  }
  if (!a.design.empty()) {
    if (!free::find_design(a.design)) {
      std::fprintf(stderr, "svafuzz litmus: unknown design '%s'\n", a.design.c_str());
      return 2;
    }
    // One run per distinct shape, at bound max(k, 2), expecting Never: the claim is "no
    // finding" (2 is the bound that finds every shipped planted bug).
    std::set<std::string> seen;
    std::vector<free::LitmusTest> retarget;
    for (free::LitmusTest t : tests) {
      if (!seen.insert(t.opts.shape).second) continue;
      t.opts.design = a.design;
      t.opts.preemptions = std::max(t.opts.preemptions, 2);
      t.name = t.opts.shape + "." + a.design;
      t.sometimes = false;
      t.expect = "clean";
      retarget.push_back(t);
    }
    tests = retarget;
  }
  std::vector<free::LitmusResult> results;
  for (const free::LitmusTest& t : tests) {
    results.push_back(free::run_litmus(t));
    const free::LitmusResult& r = results.back();
    if (r.outcome.found && (a.verbose || !r.pass)) print_finding(t.name, r.outcome, a.verbose);
  }
  std::printf("%s", free::format_litmus_table(results).c_str());
  int bad = 0;
  for (const free::LitmusResult& r : results) bad += r.pass ? 0 : 1;
  std::printf("%d of %zu litmus result(s) as expected\n", static_cast<int>(results.size()) - bad,
              results.size());
  return bad ? 1 : 0;
}

}  // namespace svafuzz::cli
