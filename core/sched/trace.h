// The trace of one execution: every performed scheduling point, in order, with its agent,
// event kind, object and source location. It prints as a per-step interleaving, exports as
// JSON (for a timeline viewer), and has a stable hash that depends only on the interleaving,
// never on host addresses (objects are named through ObjectNamers or by first appearance).
//
// Recording is the hot path: record() appends a POD entry to a preallocated vector; naming
// objects happens once, in resolve(), when the execution has ended.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sync/event.h"
#include "core/sync/runtime.h"

namespace svafuzz::sched {

// A stable name for a host object, e.g. {"frame", 0x123, "pte-table pfn 0x123"}.
struct ObjectName {
  std::string kind;
  uint64_t id = 0;
  std::string name;
};

// Maps a host pointer to a stable name; returns false for objects it does not know.
// Called from resolve() after the execution, so it must not rely on the object still being
// alive unless its owner outlives the execution (FrameDb descriptors do).
using ObjectNamer = std::function<bool(const void* obj, ObjectName* out)>;

// Installs a process-wide namer for as long as the registration lives. Not thread-safe with
// concurrent resolve(); register before running executions.
class ObjectNamerRegistration {
 public:
  explicit ObjectNamerRegistration(ObjectNamer namer);
  ~ObjectNamerRegistration();
  ObjectNamerRegistration(const ObjectNamerRegistration&) = delete;
  ObjectNamerRegistration& operator=(const ObjectNamerRegistration&) = delete;

 private:
  size_t slot_;
};

struct TraceEntry {
  uint64_t step;           // the scheduling point's number (taken_at; performed later if parked)
  sync::AgentId agent;
  sync::EventKind kind;
  const void* object;      // host address; meaningful until resolve()
  const char* label;       // lock name for lock events, else nullptr
  sync::SourceLoc loc;
  uint32_t object_id;      // filled by resolve(): index into objects()
};

class Trace {
 public:
  // No reserve by default: a default-constructed Trace is a copy destination (RunResult); the
  // runtime that records passes its own (SchedOptions::trace_reserve). A 1 << 16 default made
  // every RunResult a 3 MiB allocation, which under ASan is an mmap, a 384 KiB shadow poison
  // on free and page faults on reuse: the litmus search (run_sched_on per execution) spent
  // most of its time there (DmaP.DmaP+FreeP.mainline.litmus, asan: 14.1 s CPU vs 0.27 s gcc).
  explicit Trace(size_t reserve = 0) { entries_.reserve(reserve); }

  void clear();
  void set_agent_names(std::vector<std::string> names) { agent_names_ = std::move(names); }
  // Keeps the last kMaxEntries entries: a full trace drops its older half (dropped() counts
  // them). Reports and coverage read the points nearest the end; a bounded trace keeps a long
  // execution's memory bounded (a trace of 4.7 M points was most of a 1.3 GB RSS).
  static constexpr size_t kMaxEntries = size_t{1} << 20;
  void record(uint64_t step, sync::AgentId agent, const sync::Event& ev, const char* label) {
    if (entries_.size() == kMaxEntries) [[unlikely]] drop_older_half();
    entries_.push_back(TraceEntry{step, agent, ev.kind, ev.object, label, ev.loc, 0});
  }

  // Names every object (namers first, then first-appearance order) and computes the hash.
  void resolve();

  const std::vector<TraceEntry>& entries() const { return entries_; }
  // Entries recorded in this execution but no longer kept (the oldest first).
  uint64_t dropped() const { return dropped_; }
  // Built on first use after resolve() (not thread-safe on a shared const Trace).
  const std::vector<ObjectName>& objects() const;
  const std::vector<std::string>& agent_names() const { return agent_names_; }
  // Stable hash of the interleaving (valid after resolve()).
  uint64_t hash() const { return hash_; }

  // "  12  cpu0        write         pte#3          pgtable.cc:88" per entry.
  std::string format() const;
  nlohmann::json to_json() const;

 private:
  // What resolve() learned of one object id. An unlabelled object's default name ("obj#7")
  // depends only on its id, so its strings are built when objects() is first asked for, not
  // per execution: under ASan+UBSan, building ~540 default names per execution (one per PTE
  // read_once'd by vmap_huge's has_leaf; ~700 trace entries) was 36% of the scenario
  // campaign's time (perf, asan preset). Namers and lock labels are still read in resolve().
  struct ObjectSlot {
    uint32_t named;       // 1 + index into named_ (namer or lock label); 0: "obj#<id>"
    uint64_t kind_hash;   // hash of the object's kind string (part of the trace hash)
  };

  void drop_older_half();

  std::vector<TraceEntry> entries_;
  uint64_t dropped_ = 0;
  std::vector<ObjectSlot> slots_;          // per object id
  std::vector<ObjectName> named_;          // names given by namers
  mutable std::vector<ObjectName> objects_;
  mutable bool objects_built_ = true;      // objects_ matches slots_
  std::vector<std::string> agent_names_;
  uint64_t hash_ = 0;
};

// basename of a __FILE__ path.
const char* file_basename(const char* path);

}  // namespace svafuzz::sched
