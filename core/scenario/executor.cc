// The scenario executor (executor.h).
#include "core/scenario/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include "core/free/registry.h"
#include "core/free/world.h"
#include "core/mm/frame_check.h"
#include "core/mm/kernel.h"
#include "core/sched/sched_runtime.h"
#include "core/scenario/interleave.h"
#include "core/scenario/story.h"
#include "core/scenario/stream_choice.h"
#include "core/scenario/text.h"
#include "core/threads/threads_runtime.h"

namespace svafuzz::scenario {
namespace {

// What a death callback needs while an execution runs (sched backend; one at a time).
struct Live {
  const Scenario* scenario = nullptr;
  const std::string* design = nullptr;
  OpRunner* runner = nullptr;
  sched::SchedRuntime* rt = nullptr;
  const std::vector<std::string>* names = nullptr;
  std::vector<std::string> local;
  const mm::FrameDb* frames = nullptr;
};
Live g_live;

free::WorldOptions world_options(const Scenario& s, const ExecOptions& o) {
  free::WorldOptions w;
  w.levels = s.levels == 5 ? 5 : 4;
  w.design = o.design;
  w.kernel = o.kernel;
  w.units = s.units;
  w.processes = int(kMaxProcesses);
  for (const Agent& a : s.agents) {
    if (a.kind == AgentKind::kDevice) w.device_specs.push_back({a.unit, a.ats});
  }
  if (w.device_specs.empty()) w.device_specs.push_back({0, false});
  // Threads: the submitter drives the invalidation queue (no IOMMU agent). With the agent, the
  // world's exit handshake between the kworker and the IOMMU agent can hang on real threads
  // (reported to the lead: iommu_agent spins on !kworker_idle() after the kworker left).
  if (o.backend == Backend::kThreads) w.hw_mode = iommu::HwMode::kSynchronous;
  return w;
}

std::vector<std::string> agent_names(const Scenario& s) {
  std::vector<std::string> names;
  int per_kind[size_t(AgentKind::kCount)] = {};
  for (const Agent& a : s.agents) {
    const char* short_name[] = {"cpu", "dev", "sva", "walker", "attacker"};
    names.push_back(short_name[size_t(a.kind)] + std::to_string(per_kind[size_t(a.kind)]++));
  }
  return names;
}

// The runtime is reused across executions (pooled fiber stacks).
sched::SchedRuntime* sched_runtime(sched::ChoiceSource* src, uint64_t budget) {
  static std::unique_ptr<sched::SchedRuntime> rt;
  if (!rt) rt = std::make_unique<sched::SchedRuntime>(src, sched::SchedOptions{});
  rt->reset();
  rt->set_source(src);
  rt->set_step_budget(budget);
  // The fold and the story read host pointers, kinds and locations only: no object ids.
  rt->set_resolve_trace(false);
  return rt.get();
}

// Spawns the scenario's agents through the world; returns runtime-id -> name.
std::vector<std::string> spawn_agents(free::FreePathWorld& w, sync::Runtime* rt, const Scenario& s,
                                      OpRunner& runner) {
  std::vector<std::string> local = agent_names(s), by_id;
  uint32_t device = 0;
  for (uint32_t i = 0; i < s.agents.size(); ++i) {
    const Agent* a = &s.agents[i];
    uint32_t dev = a->kind == AgentKind::kDevice ? device++ : 0;
    sync::AgentId id = w.spawn(rt, local[i], [&runner, i, a, dev] { runner.run_agent(i, *a, dev); });
    if (id != sync::kNoAgent) {
      if (by_id.size() <= id) by_id.resize(id + 1);
      by_id[id] = local[i];
    }
  }
  std::vector<std::string> daemons = w.daemon_names();   // world.start() spawned them first
  for (size_t i = 0; i < by_id.size(); ++i) {
    if (by_id[i].empty()) by_id[i] = i < daemons.size() ? daemons[i] : "daemon" + std::to_string(i);
  }
  return by_id;
}

uint64_t first_finding_step(const std::vector<Finding>& f) {
  return f.empty() ? ~0ULL : f.front().step;
}

// Phase clock for ExecOptions::cost: lap(&field) adds the time since the last lap to field.
// Inert (no clock reads) when the execution is not costed.
class PhaseClock {
 public:
  explicit PhaseClock(ExecCost* cost) : cost_(cost) {
    if (cost_) last_ = now();
  }
  void lap(uint64_t ExecCost::*field) {
    if (!cost_) return;
    uint64_t t = now();
    cost_->*field += t - last_;
    last_ = t;
  }

 private:
  static uint64_t now() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count());
  }
  ExecCost* cost_;
  uint64_t last_ = 0;
};

}  // namespace

ExecResult execute(const Scenario& s, const ExecOptions& opts) {
  findings().clear();
  ExecResult r;
  PhaseClock clock(opts.cost);
  auto world = std::make_unique<free::FreePathWorld>(world_options(s, opts));
  free::FreePathWorld& w = *world;
  OpEnv env{&w.kernel(), {}, {}, {}, {}};
  for (int i = 0; i < w.process_count(); ++i) env.procs.push_back(w.proc(i));
  env.pasids.push_back(w.pasid());
  for (int i = 0; i < w.device_count(); ++i) {
    env.devices.push_back(w.device(i));
    env.boot_handles.push_back(w.boot_handle(i));
  }
  OpRunner runner(env, opts.ops_mask);
  for (int slot = 0; slot < w.options().kernel_slots; ++slot) {
    runner.add_live_vmap(w.kva(slot), w.kva(slot) + mm::PAGE_SIZE);
  }
  std::vector<std::string> names;
  sched::SchedRuntime* rt = nullptr;
  if (opts.backend == Backend::kSched) {
    StreamChoice src(s.schedule);
    rt = sched_runtime(&src, step_budget_for(s, opts.step_budget));
    rt->set_grant_cap(opts.grant_cap);
    w.start(rt);
    names = spawn_agents(w, rt, s, runner);
    g_live = Live{&s, &opts.design, &runner, rt, &names, agent_names(s), &w.kernel().frames()};
    clock.lap(&ExecCost::setup_ns);
    rt->run();
    clock.lap(&ExecCost::run_ns);
    g_live = Live{};
    r.steps = rt->step();
    r.cut_off = rt->cut_off();
    if (opts.counters) fold_interleavings(rt->trace(), opts.counters, opts.ncounters);
  } else {
    threads::ThreadsRuntime trt;
    w.start(&trt);
    names = spawn_agents(w, &trt, s, runner);
    clock.lap(&ExecCost::setup_ns);
    trt.run();
    clock.lap(&ExecCost::run_ns);
    r.steps = trt.step();
  }
  if (findings().empty() && !r.cut_off) w.teardown();
  r.findings = findings().snapshot();
  if (!r.findings.empty()) r.signature = signature_of_finding(r.findings.front(), signature_context(s, opts.design));
  if ((!r.findings.empty() && opts.story) || opts.story_always) {
    StoryInput in{&s, opts.design, runner.records(), rt ? &rt->trace() : nullptr,
                  rt ? rt->trace().agent_names() : names, agent_names(s), first_finding_step(r.findings)};
    if (in.agent_names.empty()) in.agent_names = names;
    in.window = opts.story_window;
    r.story = format_story(in);
  }
  clock.lap(&ExecCost::checks_ns);
  if (opts.cost) {
    opts.cost->executions += 1;
    opts.cost->points += r.steps;
    if (rt) {
      opts.cost->picks += rt->schedule().size();
      opts.cost->switches += rt->switches();
    }
  }
  if (rt) rt->reset();
  world.reset();
  findings().clear();
  clock.lap(&ExecCost::teardown_ns);
  return r;
}

uint64_t step_budget_for(const Scenario& s, uint64_t base) {
  uint64_t ops = 0;
  for (const Agent& a : s.agents) ops += a.ops.size();
  return base + kStepBudgetPerOp * ops;
}

bool design_exists(const std::string& name) { return free::find_design(name) != nullptr; }

std::string design_names() {
  std::string out;
  for (const free::DesignInfo* d : free::all_designs()) out += (out.empty() ? "" : ", ") + d->name;
  return out;
}

bool parse_ops_mask(const std::string& spec, uint32_t* mask, std::string* err) {
  if (spec.empty() || spec == "all") {
    *mask = ~0u;
    return true;
  }
  if (spec == "free-path") {
    // The ops whose v6.19 gaps fire on every design (docs/findings/): hot-remove, CPA, ptdump,
    // and process exit (exit-release-vs-unbind-teardown.md).
    *mask = ~0u & ~(1u << unsigned(OpKind::kHotRemove)) & ~(1u << unsigned(OpKind::kCpa)) &
            ~(1u << unsigned(OpKind::kPtdump)) & ~(1u << unsigned(OpKind::kExit));
    return true;
  }
  uint32_t m = 0;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string name = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    OpKind k;
    if (!parse_op(name, &k)) {
      *err = "unknown op '" + name + "' in SVAFUZZ_OPS (use all, free-path, or op names)";
      return false;
    }
    m |= 1u << unsigned(k);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  *mask = m;
  return true;
}

std::string live_story() {
  if (!g_live.rt) return "";
  StoryInput in{g_live.scenario, *g_live.design, g_live.runner->records(), &g_live.rt->trace(),
                *g_live.names, g_live.local, g_live.rt->step()};
  return format_story(in) + "==SVAFUZZ== scenario:\n" + print(*g_live.scenario);
}

Signature live_signature(const std::string& description, const void* address) {
  if (!g_live.rt) return Signature{};
  FindingFrame frame;
  unsigned index = 0;
  if (const mm::ptdesc* pt = g_live.frames->slot_to_ptdesc(static_cast<const uint64_t*>(address), &index)) {
    frame = mm::frame_snapshot(pt);
  }
  const sync::AgentState& a = sync::current_agent();
  return signature_of_asan(description, frame, a.name, a.op ? a.op : "",
                           signature_context(*g_live.scenario, *g_live.design));
}

}  // namespace svafuzz::scenario
