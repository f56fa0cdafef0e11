// The scenario registry.
#include "core/sched/scenario.h"

#include <algorithm>
#include <map>

namespace svafuzz::sched {
namespace {

std::map<std::string, ScenarioInfo>& registry() {
  static std::map<std::string, ScenarioInfo> r;
  return r;
}

}  // namespace

void register_scenario(ScenarioInfo info) {
  std::string name = info.name;
  registry()[name] = std::move(info);
}

const ScenarioInfo* find_scenario(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<const ScenarioInfo*> all_scenarios() {
  std::vector<const ScenarioInfo*> v;
  for (auto& [name, info] : registry()) v.push_back(&info);
  return v;
}

}  // namespace svafuzz::sched
