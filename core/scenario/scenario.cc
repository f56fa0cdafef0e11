// Names and op tables of the scenario data model (scenario.h).
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {
namespace {

const char* const kAgentNames[] = {"cpu", "device", "sva", "walker", "attacker"};
const char* const kOpNames[] = {"vmap",     "vmap_huge", "vunmap",   "hot_add",
                                "hot_remove", "cpa",     "mmap",     "munmap",
                                "dma_read", "dma_write", "prefetch", "bind",
                                "unbind",   "ptdump",    "spray",    "release",
                                "exit"};
const char* const kRegionNames[] = {"vmalloc", "direct", "user"};
static_assert(sizeof(kAgentNames) / sizeof(*kAgentNames) == size_t(AgentKind::kCount));
static_assert(sizeof(kOpNames) / sizeof(*kOpNames) == size_t(OpKind::kCount));
static_assert(sizeof(kRegionNames) / sizeof(*kRegionNames) == size_t(Region::kCount));

template <typename E, size_t N>
bool parse_name(const char* const (&names)[N], const std::string& s, E* out) {
  for (size_t i = 0; i < N; ++i) {
    if (s == names[i]) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

const char* agent_kind_name(AgentKind k) { return kAgentNames[size_t(k) % size_t(AgentKind::kCount)]; }
const char* op_name(OpKind k) { return kOpNames[size_t(k) % size_t(OpKind::kCount)]; }
const char* region_name(Region r) { return kRegionNames[size_t(r) % size_t(Region::kCount)]; }
bool parse_agent_kind(const std::string& s, AgentKind* out) { return parse_name(kAgentNames, s, out); }
bool parse_op(const std::string& s, OpKind* out) { return parse_name(kOpNames, s, out); }
bool parse_region(const std::string& s, Region* out) { return parse_name(kRegionNames, s, out); }

const std::vector<OpKind>& ops_of(AgentKind k) {
  using O = OpKind;
  static const std::vector<OpKind> kTables[] = {
      {O::kVmap, O::kVmapHuge, O::kVunmap, O::kHotAdd, O::kHotRemove, O::kCpa, O::kMmap,
       O::kMunmap},
      {O::kDmaRead, O::kDmaWrite, O::kPrefetch},
      {O::kBind, O::kUnbind, O::kExit},
      {O::kPtdump},
      {O::kSpray, O::kRelease},
  };
  return kTables[size_t(k) % size_t(AgentKind::kCount)];
}

AgentKind agent_of(OpKind k) {
  for (size_t a = 0; a < size_t(AgentKind::kCount); ++a) {
    for (OpKind o : ops_of(AgentKind(a))) {
      if (o == k) return AgentKind(a);
    }
  }
  return AgentKind::kCpu;
}

Region default_region(OpKind k) {
  switch (k) {
    case OpKind::kHotAdd:
    case OpKind::kHotRemove:
    case OpKind::kCpa:
      return Region::kDirect;
    case OpKind::kMmap:
    case OpKind::kMunmap:
    case OpKind::kDmaRead:
    case OpKind::kDmaWrite:
    case OpKind::kPrefetch:
      return Region::kUser;
    default:
      return Region::kVmalloc;
  }
}

bool op_uses_address(OpKind k) {
  switch (k) {
    case OpKind::kBind:
    case OpKind::kUnbind:
    case OpKind::kExit:
    case OpKind::kPtdump:
    case OpKind::kSpray:
    case OpKind::kRelease:
      return false;
    default:
      return true;
  }
}

std::string sanitize_design(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (ok && out.size() < kMaxDesignName) out.push_back(c);
  }
  return out;
}

size_t op_count(const Scenario& s) {
  size_t n = 0;
  for (const Agent& a : s.agents) n += a.ops.size();
  return n;
}

}  // namespace svafuzz::scenario
