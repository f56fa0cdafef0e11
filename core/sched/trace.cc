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

// One word into the running hash: xor, multiply, fold (a 64-bit multiplicative mixer).
uint64_t mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * kFnvPrime;
  return h ^ (h >> 29);
}

// FNV-1a over a NUL-terminated string.
uint64_t string_hash(const char* s) {
  uint64_t h = kFnvOffset;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * kFnvPrime;
  return h;
}

// Host pointer -> object id for one resolve(): open addressing with linear probing, grown at
// half load. A trace names a few dozen objects over thousands of entries, so lookups dominate.
// One table per thread, reused across resolve() calls: a slot is live only if it carries the
// current generation, so reset() is O(1). Allocating and growing a fresh table (64 -> 2048
// slots) per execution cost ~9% of the scenario campaign under ASan (perf, asan preset: fresh
// heap memory from behind ASan's quarantine page-faults).
class PointerIds {
 public:
  // Forgets every key; room for `n` keys at half load without growing.
  void reset(size_t n) {
    size_t want = 64;
    while (want < 2 * n) want *= 2;
    if (slots_.size() < want) {
      slots_.assign(want, Slot{});
      gen_ = 1;
    } else if (++gen_ == 0) {
      slots_.assign(slots_.size(), Slot{});
      gen_ = 1;
    }
    used_ = 0;
  }
  // Returns {id, fresh}: the existing id of p, or `next` newly assigned.
  std::pair<uint32_t, bool> find_or_add(const void* p, uint32_t next) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    Slot& s = probe(p);
    if (s.gen == gen_) return {s.id, false};
    s = Slot{p, next, gen_};
    ++used_;
    return {next, true};
  }

 private:
  struct Slot {
    const void* key = nullptr;
    uint32_t id = 0;
    uint32_t gen = 0;   // live iff == gen_
  };
  Slot& probe(const void* p) {
    size_t mask = slots_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(p) * 0x9e3779b97f4a7c15ULL) >> 20 & mask;
    while (slots_[i].gen == gen_ && slots_[i].key != p) i = (i + 1) & mask;
    return slots_[i];
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.gen == gen_) probe(s.key) = s;
    }
  }
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  uint32_t gen_ = 1;
  size_t used_ = 0;
};

// Hashes of source-file basenames keyed by the __FILE__ pointer (entries of one execution come
// from a handful of files; the last pointer is checked first).
class FileHashCache {
 public:
  uint64_t hash(const char* file) {
    if (file == last_) return last_hash_;
    auto [it, fresh] = map_.try_emplace(file, 0);
    if (fresh) it->second = file != nullptr ? string_hash(file_basename(file)) : 0;
    last_ = file;
    last_hash_ = it->second;
    return last_hash_;
  }

 private:
  const char* last_ = nullptr;
  uint64_t last_hash_ = 0;
  std::unordered_map<const char*, uint64_t> map_;
};

bool name_by_namers(const void* obj, ObjectName* out) {
  for (const ObjectNamer& n : namers()) {
    if (n && n(obj, out)) return true;
  }
  return false;
}

ObjectName default_name(const char* label, uint32_t ordinal) {
  std::string kind = label != nullptr ? "lock" : "obj";
  std::string base = label != nullptr ? label : "obj";
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

void Trace::drop_older_half() {
  const size_t half = entries_.size() / 2;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(half));
  dropped_ += half;
}

void Trace::clear() {
  entries_.clear();
  dropped_ = 0;
  slots_.clear();
  named_.clear();
  objects_.clear();
  objects_built_ = true;
  hash_ = 0;
}

// Per entry: the agent, the event kind, the object's stable kind and id, and the source
// location's basename and line, combined word-wise. String hashes are computed once per distinct
// object and per distinct file pointer, so resolve() stays a small fraction of an execution.
// Default names' strings are left to objects() (see ObjectSlot); the hash is the same.
void Trace::resolve() {
  static const uint64_t kNoneHash = string_hash("none");
  static const uint64_t kLockHash = string_hash("lock");
  static const uint64_t kObjHash = string_hash("obj");
  thread_local PointerIds ids;
  ids.reset(entries_.size() + 1);
  slots_.clear();
  named_.clear();
  objects_.clear();
  objects_built_ = false;
  slots_.push_back(ObjectSlot{0, kNoneHash});   // id 0: events with no object
  ids.find_or_add(nullptr, 0);
  FileHashCache files;
  uint64_t h = kFnvOffset;
  for (TraceEntry& e : entries_) {
    auto [id, fresh] = ids.find_or_add(e.object, static_cast<uint32_t>(slots_.size()));
    if (fresh) {
      ObjectName n;
      bool by_namer = name_by_namers(e.object, &n);
      if (by_namer || e.label != nullptr) {
        // Locks (a handful per execution) are named now: their label is read while the
        // execution's objects are known to be alive, as before.
        if (!by_namer) n = default_name(e.label, id);
        slots_.push_back(ObjectSlot{static_cast<uint32_t>(named_.size() + 1),
                                    by_namer ? string_hash(n.kind.c_str()) : kLockHash});
        named_.push_back(std::move(n));
      } else {
        slots_.push_back(ObjectSlot{0, kObjHash});   // "obj#<id>", built by objects()
      }
    }
    e.object_id = id;
    h = mix(h, (static_cast<uint64_t>(e.agent) << 8) | static_cast<uint64_t>(e.kind));
    h = mix(h, slots_[id].kind_hash);
    h = mix(h, slots_[id].named != 0 ? named_[slots_[id].named - 1].id : id);
    h = mix(h, files.hash(e.loc.file));
    h = mix(h, e.loc.line);
  }
  hash_ = h;
}

const std::vector<ObjectName>& Trace::objects() const {
  if (!objects_built_) {
    objects_.clear();
    objects_.reserve(slots_.size());
    for (uint32_t id = 0; id < slots_.size(); ++id) {
      const ObjectSlot& s = slots_[id];
      if (id == 0) objects_.push_back(ObjectName{"none", 0, "-"});
      else if (s.named != 0) objects_.push_back(named_[s.named - 1]);
      else objects_.push_back(default_name(nullptr, id));
    }
    objects_built_ = true;
  }
  return objects_;
}

std::string Trace::format() const {
  std::ostringstream os;
  os << std::left << std::setw(6) << "#" << std::setw(8) << "step" << std::setw(12) << "agent"
     << std::setw(14) << "event" << std::setw(20) << "object" << "where\n";
  const std::vector<ObjectName>& objs = objects();
  size_t i = 0;
  for (const TraceEntry& e : entries_) {
    std::string agent = e.agent < agent_names_.size() ? agent_names_[e.agent] : "?";
    std::string obj = e.object_id < objs.size() ? objs[e.object_id].name : "?";
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
  for (const ObjectName& o : objects()) objs.push_back({{"kind", o.kind}, {"id", o.id}, {"name", o.name}});
  auto& steps = j["steps"] = nlohmann::json::array();
  for (const TraceEntry& e : entries_) {
    steps.push_back({{"step", e.step}, {"agent", e.agent}, {"event", sync::event_kind_name(e.kind)},
                     {"object", e.object_id}, {"file", file_basename(e.loc.file)},
                     {"line", e.loc.line}});
  }
  std::ostringstream hs;
  hs << std::hex << std::setw(16) << std::setfill('0') << hash_;
  j["hash"] = hs.str();
  j["dropped"] = dropped_;
  return j;
}

}  // namespace svafuzz::sched
