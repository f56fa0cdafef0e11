// Exploration drivers for a design on a litmus shape (see explore.h).
#include "core/free/explore.h"

#include <algorithm>
#include <memory>

#include "core/free/progress.h"
#include "core/free/shapes.h"
#include "core/sched/strategies.h"
#include "core/sync/finding.h"

namespace svafuzz::free {
namespace {

// One execution's world: built in setup(), checked (teardown) in check().
class WorldScenario final : public sched::Scenario {
 public:
  WorldScenario(WorldOptions wo, const ShapeInfo* shape) : wo_(std::move(wo)), shape_(shape) {}
  void setup(sync::Runtime* rt) override {
    world_ = std::make_unique<FreePathWorld>(wo_);
    world_->start(rt);
    if (shape_->prepare) shape_->prepare(*world_);
    shape_->spawn(*world_, rt);
  }
  void check() override {
    if (world_) world_->teardown();
  }

 private:
  WorldOptions wo_;
  const ShapeInfo* shape_;
  std::unique_ptr<FreePathWorld> world_;
};

WorldOptions world_options(const ExploreOptions& o) {
  WorldOptions wo;
  wo.levels = o.levels;
  wo.design = o.design;
  wo.kernel = mm::find_kernel_profile(o.kernel);   // validate() checked the name
  wo.hw_mode = o.iommu_agent ? iommu::HwMode::kAgent : iommu::HwMode::kSynchronous;
  return wo;
}

void take_finding(const sched::RunResult& r, Outcome* out) {
  out->found = true;
  out->detector = detector_name(r.findings.front().detector);
  out->message = format_finding(r.findings.front());
  out->schedule = r.schedule;
  out->trace = r.trace.format();
}

Outcome explore_exhaustive(const ExploreOptions& o, const sched::ScenarioInfo& info) {
  Outcome out;
  FairBoundedSearch dfs(o.preemptions);
  sched::SchedRuntime rt(&dfs, {.step_budget = o.step_budget});
  for (;;) {
    progress().executions = out.executions;
    sched::RunResult r = sched::run_sched_on(&rt, info, &dfs);
    ++out.executions;
    if (!r.findings.empty()) {
      take_finding(r, &out);
      return out;
    }
    if (!dfs.advance()) return out;
    if (out.executions >= o.max_executions) {
      out.complete = false;
      return out;
    }
  }
}

Outcome explore_random(const ExploreOptions& o, const sched::ScenarioInfo& info) {
  Outcome out;
  sched::RandomChoice first(o.seed);
  sched::SchedRuntime rt(&first, {.step_budget = o.step_budget});
  for (uint64_t i = 0; i < o.runs; ++i) {
    sched::RandomChoice src(o.seed + i);
    progress().executions = out.executions;
    progress().seed = o.seed + i;
    sched::RunResult r = sched::run_sched_on(&rt, info, &src);
    ++out.executions;
    if (!r.findings.empty()) {
      take_finding(r, &out);
      out.seed = o.seed + i;
      return out;
    }
  }
  return out;
}

// PCT (sched::PctChoice, with yield demotion for the model's spin-waits). k is the step count
// of one non-preemptive execution, as svafuzz explore measures it; execution i uses seed + i,
// so a finding's execution is reproducible from its seed and k as well as from its schedule.
Outcome explore_pct(const ExploreOptions& o, const sched::ScenarioInfo& info) {
  Outcome out;
  sched::FuzzBytesChoice none(nullptr, 0);
  sched::SchedRuntime rt(&none, {.step_budget = o.step_budget});
  out.pct_steps = std::max<uint64_t>(sched::run_sched_on(&rt, info, &none).steps, 1);
  for (uint64_t i = 0; i < o.runs; ++i) {
    sched::PctChoice src(o.seed + i, o.depth, out.pct_steps);
    progress().executions = out.executions;
    progress().seed = o.seed + i;
    sched::RunResult r = sched::run_sched_on(&rt, info, &src);
    ++out.executions;
    if (!r.findings.empty()) {
      take_finding(r, &out);
      out.seed = o.seed + i;
      return out;
    }
  }
  return out;
}

Outcome explore_threads(const ExploreOptions& o, const sched::ScenarioInfo& info) {
  Outcome out;
  for (uint64_t i = 0; i < o.runs; ++i) {
    progress().executions = out.executions;
    sched::RunResult r = sched::run_threads(info);
    ++out.executions;
    if (!r.findings.empty()) {
      out.found = true;
      out.detector = detector_name(r.findings.front().detector);
      out.message = format_finding(r.findings.front());
      return out;
    }
  }
  return out;
}

}  // namespace

sched::ScenarioInfo world_scenario(const ExploreOptions& o) {
  const ShapeInfo* shape = find_shape(o.shape);
  WorldOptions wo = world_options(o);
  sched::ScenarioInfo info;
  info.name = o.shape + "." + o.design;
  info.summary = shape ? shape->summary : "";
  info.make = [wo, shape] { return std::make_unique<WorldScenario>(wo, shape); };
  const DesignInfo* d = find_design(o.design);
  info.expect_finding = d && d->verdict == Verdict::kFlagged;
  return info;
}

bool validate(const ExploreOptions& o, std::string* error) {
  if (!find_design(o.design)) {
    *error = "unknown design '" + o.design + "' (svafuzz designs lists them)";
    return false;
  }
  if (!mm::find_kernel_profile(o.kernel)) {
    *error = "unknown kernel profile '" + o.kernel + "'; known: " + mm::kernel_profile_names();
    return false;
  }
  if (!find_shape(o.shape)) {
    *error = "unknown shape '" + o.shape + "'";
    return false;
  }
  if (o.levels != 4 && o.levels != 5) {
    *error = "levels must be 4 or 5";
    return false;
  }
  if (o.depth < 1 || o.depth > 8) {
    *error = "pct depth must be in 1..8";
    return false;
  }
  if (o.preemptions < 0 || o.preemptions > 8) {
    *error = "preemptions must be in 0..8";
    return false;
  }
  return true;
}

Outcome explore(const ExploreOptions& o) {
  sched::ScenarioInfo info = world_scenario(o);
  progress() = Progress{};
  progress().design = o.design;
  progress().shape = o.shape;
  switch (o.strategy) {
    case Strategy::kExhaustive: return explore_exhaustive(o, info);
    case Strategy::kRandom: return explore_random(o, info);
    case Strategy::kThreads: return explore_threads(o, info);
    case Strategy::kPct: return explore_pct(o, info);
  }
  return {};
}

// ---- FairBoundedSearch ----

void FairBoundedSearch::begin_execution() {
  run_ = 0;
  forced_ = 0;
  inner_.begin_execution();
}

size_t FairBoundedSearch::choose(const sched::ChoicePoint& cp) {
  size_t cur = sched::index_of_current(cp);
  size_t n = cp.runnable.size();
  if (cur < n && run_ >= fair_run_) {
    run_ = 0;
    ++forced_;
    ++forced_total_;
    return (cur + 1) % n;   // fair switch: deterministic, not a branch, not charged
  }
  sched::ChoicePoint c = cp;
  c.preemptions = cp.preemptions >= forced_ ? cp.preemptions - forced_ : 0;
  size_t idx = inner_.choose(c);
  run_ = (cur < n && idx == cur) ? run_ + 1 : 0;
  return idx;
}

}  // namespace svafuzz::free
