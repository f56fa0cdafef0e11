// Trace naming, hashing, printing and JSON export.
#include "core/sched/trace.h"

#include <cstring>
#include <iomanip>
#include <sstream>
#include <unordered_map>

namespace svafuzz::sched {
namespace {

std::vector<ObjectNamer>& namers() {
  static std::vector<ObjectNamer> v;
  return v;
}

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void mix(uint64_t* h, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    *h ^= (v >> (8 * i)) & 0xff;
    *h *= kFnvPrime;
  }
}

void mix_str(uint64_t* h, const char* s) {
  for (; *s; ++s) {
    *h ^= static_cast<unsigned char>(*s);
    *h *= kFnvPrime;
  }
  mix(h, 0);
}

bool name_by_namers(const void* obj, ObjectName* out) {
  for (const ObjectNamer& n : namers()) {
    if (n && n(obj, out)) return true;
  }
  return false;
}

ObjectName default_name(const TraceEntry& e, uint32_t ordinal) {
  std::string kind = e.label != nullptr ? "lock" : "obj";
  std::string base = e.label != nullptr ? e.label : "obj";
  return ObjectName{kind, ordinal, base + "#" + std::to_string(ordinal)};
}

}  // namespace

ObjectNamerRegistration::ObjectNamerRegistration(ObjectNamer namer) : slot_(namers().size()) {
  namers().push_back(std::move(namer));
}

ObjectNamerRegistration::~ObjectNamerRegistration() { namers()[slot_] = nullptr; }

const char* file_basename(const char* path) {
  const char* s = std::strrchr(path, '/');
  return s != nullptr ? s + 1 : path;
}

void Trace::clear() {
  entries_.clear();
  objects_.clear();
  hash_ = 0;
}

void Trace::resolve() {
  std::unordered_map<const void*, uint32_t> ids;
  objects_.clear();
  objects_.push_back(ObjectName{"none", 0, "-"});   // id 0: events with no object
  ids[nullptr] = 0;
  uint64_t h = kFnvOffset;
  for (TraceEntry& e : entries_) {
    auto [it, fresh] = ids.try_emplace(e.object, static_cast<uint32_t>(objects_.size()));
    if (fresh) {
      ObjectName n;
      if (!name_by_namers(e.object, &n)) n = default_name(e, it->second);
      objects_.push_back(std::move(n));
    }
    e.object_id = it->second;
    const ObjectName& on = objects_[e.object_id];
    mix(&h, e.agent);
    mix(&h, static_cast<uint64_t>(e.kind));
    mix_str(&h, on.kind.c_str());
    mix(&h, on.id);
    mix_str(&h, file_basename(e.loc.file));
    mix(&h, e.loc.line);
  }
  hash_ = h;
}

std::string Trace::format() const {
  std::ostringstream os;
  os << std::left << std::setw(6) << "#" << std::setw(8) << "step" << std::setw(12) << "agent"
     << std::setw(14) << "event" << std::setw(20) << "object" << "where\n";
  size_t i = 0;
  for (const TraceEntry& e : entries_) {
    std::string agent = e.agent < agent_names_.size() ? agent_names_[e.agent] : "?";
    std::string obj = e.object_id < objects_.size() ? objects_[e.object_id].name : "?";
    os << std::setw(6) << ++i << std::setw(8) << e.step << std::setw(12) << agent << std::setw(14)
       << sync::event_kind_name(e.kind) << std::setw(20) << obj;
    if (e.loc.line != 0) os << file_basename(e.loc.file) << ':' << e.loc.line;
    else os << '-';
    os << '\n';
  }
  return os.str();
}

nlohmann::json Trace::to_json() const {
  nlohmann::json j;
  j["agents"] = agent_names_;
  auto& objs = j["objects"] = nlohmann::json::array();
  for (const ObjectName& o : objects_) objs.push_back({{"kind", o.kind}, {"id", o.id}, {"name", o.name}});
  auto& steps = j["steps"] = nlohmann::json::array();
  for (const TraceEntry& e : entries_) {
    steps.push_back({{"step", e.step}, {"agent", e.agent}, {"event", sync::event_kind_name(e.kind)},
                     {"object", e.object_id}, {"file", file_basename(e.loc.file)},
                     {"line", e.loc.line}});
  }
  std::ostringstream hs;
  hs << std::hex << std::setw(16) << std::setfill('0') << hash_;
  j["hash"] = hs.str();
  return j;
}

}  // namespace svafuzz::sched
