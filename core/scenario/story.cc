// format_story (story.h).
#include "core/scenario/story.h"

#include <algorithm>
#include <cstdio>

namespace svafuzz::scenario {
namespace {

std::string agent_name(const StoryInput& in, uint32_t id) {
  return id < in.agent_names.size() ? in.agent_names[id] : "agent" + std::to_string(id);
}

void format_ops(const StoryInput& in, std::string* out) {
  char buf[256];
  for (size_t a = 0; a < in.scenario->agents.size(); ++a) {
    std::string name = a < in.scenario_names.size() ? in.scenario_names[a] : "agent" + std::to_string(a);
    std::snprintf(buf, sizeof buf, "  %s (%s):\n", name.c_str(),
                  agent_kind_name(in.scenario->agents[a].kind));
    *out += buf;
    for (const OpRecord& r : in.ops) {
      if (r.agent != a) continue;
      const Op& op = in.scenario->agents[a].ops[r.index];
      std::string end = r.end_step == kRunning ? "now" : std::to_string(r.end_step);
      std::snprintf(buf, sizeof buf, "    #%-2u steps %6llu..%-6s %-10s %s\n", r.index,
                    (unsigned long long)r.begin_step, end.c_str(), op_name(op.kind),
                    r.end_step == kRunning ? "RUNNING at the finding"
                    : r.skipped            ? "(skipped: nothing to do)"
                                           : r.what.c_str());
      *out += buf;
    }
  }
}

// The last `window` points before the finding, plus each agent's own last few points (so an
// agent parked long before the finding still shows where it stopped), in step order.
void format_trace(const StoryInput& in, std::string* out) {
  const std::vector<sched::TraceEntry>& e = in.trace->entries();
  size_t end = e.size();
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i].step > in.finding_step) {
      end = i;
      break;
    }
  }
  std::vector<bool> show(end, false);
  for (size_t i = end > in.window ? end - in.window : 0; i < end; ++i) show[i] = true;
  std::vector<int> per_agent;
  for (size_t i = end; i-- > 0;) {
    uint32_t a = e[i].agent;
    if (per_agent.size() <= a) per_agent.resize(a + 1, 0);
    if (per_agent[a] < 6) show[i] = true, per_agent[a]++;
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "trace: %llu scheduling points; the last %zu before the finding (step %llu), and each agent's last 6:\n",
                (unsigned long long)(e.size() + in.trace->dropped()), std::min(end, in.window),
                (unsigned long long)in.finding_step);
  *out += buf;
  bool gap = false;
  for (size_t i = 0; i < end; ++i) {
    if (!show[i]) {
      gap = true;
      continue;
    }
    if (gap) *out += "     ...\n";
    gap = false;
    std::snprintf(buf, sizeof buf, "  %6llu  %-12s %-13s %-24s %s:%u\n",
                  (unsigned long long)e[i].step, agent_name(in, e[i].agent).c_str(),
                  sync::event_kind_name(e[i].kind), e[i].label ? e[i].label : "",
                  sched::file_basename(e[i].loc.file), e[i].loc.line);
    *out += buf;
  }
}

}  // namespace

std::string format_story(const StoryInput& in) {
  std::string out = "==SVAFUZZ== interleaving: design " + in.design + ", " +
                    std::to_string(in.scenario->levels) + "-level paging, " +
                    std::to_string(in.scenario->schedule.size()) + " schedule bytes\n";
  out += "ops per agent (steps are scheduling-point numbers):\n";
  format_ops(in, &out);
  if (in.trace) format_trace(in, &out);
  else out += "trace: none (threads backend: the OS chose the interleaving)\n";
  return out;
}

}  // namespace svafuzz::scenario
