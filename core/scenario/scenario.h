// The scenario data model: what one concurrent free/walk execution is made of.
//
// A Scenario is a paging depth, an optional design name (where a reproducer was found), a set
// of agents each running a program of operations, and the schedule stream that the controlled
// scheduler consumes (stream_choice.h). The world (core/free) adds the kworker that runs the
// deferred-free work and the IOMMU unit agent that processes invalidation queues; the agents
// here are the ones a scenario varies:
//   cpu       kernel mapping changes that free tables (vmap/vunmap, huge promotion, hot-add /
//             hot-remove, CPA split/collapse) and user mmap/munmap;
//   device    DMA reads/writes and speculative walks at user and kernel addresses;
//   sva       iommu_sva_bind_device / iommu_sva_unbind_device of one of the world's processes,
//             and process exit (exit_mmap, then the last mmdrop once no SVA domain holds it);
//   walker    a software walker (ptdump_walk_pgd) of init_mm or the SVA process;
//   attacker  reallocates freed frames (the allocator's hot list) and fills them with crafted
//             entries, so a stale walk reads attacker-controlled tables.
//
// Every field is plain data with no invariant beyond its type: every value of every field is
// a valid scenario, and the executor maps raw offsets and arguments onto valid operations
// (clamping into the model's windows, skipping what the current state makes impossible). That
// is what lets the decoder accept any bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace svafuzz::scenario {

enum class AgentKind : uint8_t { kCpu = 0, kDevice, kSva, kWalker, kAttacker, kCount };

// Op kinds, grouped by the agent kind that runs them (ops_of()). Append only: saved binary
// inputs name ops by their index within the agent kind's group.
enum class OpKind : uint8_t {
  // cpu
  kVmap = 0,     // vmap_range_noflush of 1..16 4 KiB pages at vmalloc+offset (arg: pages-1)
  kVmapHuge,     // vunmap the live areas in a 2 MiB (arg bit 0 = 0) or 1 GiB (bit 0 = 1) range,
                 // then vmap one huge leaf there: huge promotion frees the emptied tables
  kVunmap,       // vunmap_range of the live vmap area containing vmalloc+offset, else area[arg]
  kHotAdd,       // add_memory of (1 + arg>>1 & 3) x 2 MiB at direct+offset (arg bit 0: 4 KiB pages)
  kHotRemove,    // remove_memory of the hot-added range containing direct+offset, else range[arg]
  kCpa,          // change_page_attr_set_clr on 1..8 pages at direct+offset (arg: see executor)
  kMmap,         // mmap_user_page at user+offset (arg bit 0: read-only)
  kMunmap,       // munmap_user_page of the page at user+offset, else page[arg] (arg bit 7: free table)
  // device
  kDmaRead,      // Device::dma_read at region+offset
  kDmaWrite,     // Device::dma_write at region+offset
  kPrefetch,     // IntelIommu::speculative_walk at region+offset
  // sva
  kBind,         // iommu_sva_bind_device(device[arg & 15], proc[arg >> 4 & 1]); a process that
                 // exited is started anew first (a new mm, which may get the freed PASID)
  kUnbind,       // iommu_sva_unbind_device of this agent's last bind, else of proc0's boot
                 // handle of device[arg] (the boot-time bind of the world), if still held
  // walker
  kPtdump,       // ptdump_walk_pgd of init_mm (arg bit 0 = 0) or of proc[arg >> 1 & 1] (bit 0 = 1)
  // attacker
  kSpray,        // 1 + arg % 8 frames from the allocator's hot list, filled with crafted entries
  kRelease,      // free the sprayed frames
  // sva (appended)
  kExit,         // process proc[arg & 1] exits: its last mm user runs exit_mmap; the mm is
                 // freed at the last mmdrop (now, or at the unbind that frees its last domain)
  kCount
};

// Where an op's address points. Offsets are relative to the region's base in the current
// paging mode, so a scenario means the same thing with 4-level and 5-level paging.
enum class Region : uint8_t {
  kVmalloc = 0,   // VMALLOC_START (the model's 4 GiB window)
  kDirect,        // PAGE_OFFSET: the offset is a physical address
  kUser,          // 0: the SVA process's user half
  kCount
};

struct Op {
  OpKind kind = OpKind::kVmap;
  Region region = Region::kVmalloc;
  uint64_t offset = 0;
  uint8_t arg = 0;
  bool operator==(const Op&) const = default;
};

struct Agent {
  AgentKind kind = AgentKind::kCpu;
  std::vector<Op> ops;
  // Device agents only (ignored, and kept 0/false, for the others): the VT-d unit the agent's
  // device sits behind (index, taken modulo Scenario::units) and whether it has ATS.
  uint8_t unit = 0;
  bool ats = false;
  bool operator==(const Agent&) const = default;
};

// Which process an op acts on (user ops, DMA and prefetch PASIDs): offset bit 39, above every
// region's window (the user window is 512 GiB), so old inputs all mean proc0.
constexpr unsigned kProcOffsetBit = 39;
constexpr size_t kMaxProcesses = 2;
inline unsigned op_proc(const Op& op) { return unsigned(op.offset >> kProcOffsetBit) & 1; }

struct Scenario {
  int levels = 4;                  // 4 or 5
  int units = 1;                   // VT-d units, 1-3 (devices sit behind Agent::unit)
  std::string design;              // "" = the runner's choice (SVAFUZZ_DESIGN or mainline)
  std::vector<Agent> agents;
  std::vector<uint8_t> schedule;   // the choice stream (stream_choice.h)
  bool operator==(const Scenario&) const = default;
};

// Bounds: an execution's cost and the frame pool it needs stay small (the fuzzer's exec/s
// goal), and the decoder clamps to them.
constexpr size_t kMaxAgents = 8;
constexpr size_t kMaxOpsPerAgent = 16;
constexpr size_t kMaxSchedule = 512;
constexpr size_t kMaxDesignName = 32;

const char* agent_kind_name(AgentKind k);
const char* op_name(OpKind k);
const char* region_name(Region r);
bool parse_agent_kind(const std::string& s, AgentKind* out);
bool parse_op(const std::string& s, OpKind* out);
bool parse_region(const std::string& s, Region* out);

// The op kinds agent kind `k` runs, in their wire order.
const std::vector<OpKind>& ops_of(AgentKind k);
AgentKind agent_of(OpKind k);
// The region an op uses when the text omits it.
Region default_region(OpKind k);
// True when the op's address matters (the mutator keeps those aligned and in range).
bool op_uses_address(OpKind k);

// A design name as the decoder keeps it: lower-case letters, digits and '-' only, at most
// kMaxDesignName characters; other characters are dropped.
std::string sanitize_design(const std::string& s);

// Total ops over all agents.
size_t op_count(const Scenario& s);

}  // namespace svafuzz::scenario
