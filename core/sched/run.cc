// One scenario execution per backend (see run.h).
#include "core/sched/run.h"

#include "core/sched/strategies.h"
#include "core/threads/threads_runtime.h"

namespace svafuzz::sched {
namespace {

void check_if_clean(Scenario* s, RunResult* r) {
  if (findings().empty()) s->check();
  r->findings = findings().snapshot();
  r->final_state = s->final_state();
}

}  // namespace

RunResult run_sched_on(SchedRuntime* rt, const ScenarioInfo& info, ChoiceSource* source) {
  findings().clear();
  RunResult r;
  std::unique_ptr<Scenario> s = info.make();
  rt->reset();
  rt->set_source(source);
  s->setup(rt);
  rt->run();
  r.schedule = rt->schedule();
  r.trace_hash = rt->trace().hash();
  r.steps = rt->step();
  r.trace = rt->trace();
  r.diverged = source->diverged();
  rt->reset();   // agents (and their closures) die before the scenario's state
  check_if_clean(s.get(), &r);
  findings().clear();
  return r;
}

RunResult run_sched(const ScenarioInfo& info, ChoiceSource* source, const SchedOptions& opts) {
  SchedRuntime rt(source, opts);
  return run_sched_on(&rt, info, source);
}

RunResult run_threads(const ScenarioInfo& info) {
  findings().clear();
  RunResult r;
  std::unique_ptr<Scenario> s = info.make();
  {
    threads::ThreadsRuntime rt;
    s->setup(&rt);
    rt.run();
    r.steps = rt.step();
  }
  check_if_clean(s.get(), &r);
  findings().clear();
  return r;
}

RunResult replay(const ScenarioInfo& info, const ScheduleFile& file, const SchedOptions& opts) {
  ReplayChoice source(file.choices);
  return run_sched(info, &source, opts);
}

}  // namespace svafuzz::sched
