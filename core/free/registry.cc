// The design registry and the design-state snapshots (see registry.h).
#include "core/free/registry.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace svafuzz::free {
namespace {

struct Snapshot {
  void* obj;
  std::unique_ptr<unsigned char[]> bytes;
  size_t size;
  const char* name;
};

std::mutex& registry_mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, DesignInfo>& designs() {
  static std::map<std::string, DesignInfo> m;
  return m;
}
std::vector<Snapshot>& snapshots() {
  static std::vector<Snapshot> v;
  return v;
}

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_designs();
    register_plugin_designs();
  });
}

}  // namespace

const char* verdict_name(Verdict v) { return v == Verdict::kClean ? "clean" : "flagged"; }

void register_design(DesignInfo info) {
  std::lock_guard<std::mutex> g(registry_mu());
  std::string name = info.name;
  designs()[name] = std::move(info);
}

const DesignInfo* find_design(const std::string& name) {
  ensure_registered();
  std::lock_guard<std::mutex> g(registry_mu());
  auto it = designs().find(name);
  return it == designs().end() ? nullptr : &it->second;
}

std::vector<const DesignInfo*> all_designs() {
  ensure_registered();
  std::lock_guard<std::mutex> g(registry_mu());
  std::vector<const DesignInfo*> out;
  for (auto& [name, d] : designs()) out.push_back(&d);
  return out;
}

bool design_expects(const DesignInfo& d, const std::string& detector) {
  std::stringstream ss(d.detectors);
  std::string part;
  while (std::getline(ss, part, '|')) {
    if (part == detector) return true;
  }
  return false;
}

// Called from static initialisers (SVAFUZZ_STATE): the object's initialiser already ran,
// since the registrar is defined after it in the same translation unit.
void register_state(void* obj, size_t size, const char* name) {
  std::lock_guard<std::mutex> g(registry_mu());
  Snapshot s{obj, std::make_unique<unsigned char[]>(size), size, name};
  std::memcpy(s.bytes.get(), obj, size);
  snapshots().push_back(std::move(s));
}

// Byte-wise restore: design state is lists, spinlocks (an atomic word, an owner, a name),
// work items and flags, all of which are meaningful as the bytes they had after static
// initialisation (self-pointing list heads keep their own address).
void reset_design_state() {
  std::lock_guard<std::mutex> g(registry_mu());
  for (Snapshot& s : snapshots()) std::memcpy(s.obj, s.bytes.get(), s.size);
}

}  // namespace svafuzz::free
