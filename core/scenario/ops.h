// The op runner: how each scenario op becomes a kernel, IOMMU or attacker action on one
// execution's world, with the bookkeeping a real system does outside the code under test
// (alloc_vmap_area's choice of free ranges, the set of hot-added ranges, the user pages).
//
// Mapping rules (any offset and argument maps onto a valid action, or the op is skipped):
//   vmalloc ops   addr = VMALLOC_START + offset mod 4 GiB (page-, 2 MiB- or 1 GiB-aligned as the
//                 op needs); an area is only mapped if it overlaps no live area (alloc_vmap_area)
//   hot_add       phys = 4 GiB + offset mod 256 MiB, 2 MiB aligned; size (1 + (arg>>1 & 3)) x 2 MiB
//   cpa           phys = offset inside boot RAM, or inside a live hot-added range (which is then
//                 pinned against hot-remove for the duration); pages 1 + (arg & 7); arg bit 3:
//                 clear RW (else set RW), bit 4: force split, bit 5: collapse, bit 6: set NX
//   user ops      va = offset mod 512 GiB, page aligned, never 0
//   dma/prefetch  va = region base + offset (vmalloc mod 4 GiB, direct mod 8 GiB, user mod 512 GiB),
//                 at the PASID the driver was given for process op_proc(op) (0, a PASID fault,
//                 if it was never bound; kept after an unbind or exit, as a stale driver would)
//   processes     user ops, ptdump of a process (arg bit 1 picks it) and bind/exit act on one of
//                 kMaxProcesses slots. A slot's process is live from its creation until it
//                 exits; ops on it hold an mm_users reference (mmget/mmput), and the last mmput
//                 runs exit_mmap and drops the process's mm_count. A bind of an exited slot
//                 starts a new process there (mm_alloc).
//   attacker      spray: 1 + arg % 8 frames from the allocator's hot list (FrameDb::alloc_hot),
//                 every entry a crafted user-accessible table entry pointing back at the frame
// The bookkeeping lock is a host mutex never held across a scheduling point, so the runner is
// safe on both backends.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/scenario/scenario.h"

namespace svafuzz::mm {
class Kernel;
struct mm_struct;
struct ptdesc;
}  // namespace svafuzz::mm
namespace svafuzz::iommu {
class Device;
struct iommu_sva;
}  // namespace svafuzz::iommu

namespace svafuzz::scenario {

// What the ops act on (built by the world of the execution).
struct OpEnv {
  mm::Kernel* kernel = nullptr;
  std::vector<mm::mm_struct*> procs;             // the processes at boot (1..kMaxProcesses)
  std::vector<uint32_t> pasids;                  // their PASIDs at boot (0: not bound)
  std::vector<iommu::Device*> devices;           // at least one
  std::vector<iommu::iommu_sva*> boot_handles;   // proc0's boot bind of each device
};

constexpr uint64_t kRunning = ~0ULL;

// One performed op, for the story of an execution.
struct OpRecord {
  uint32_t agent;       // index into Scenario::agents
  uint32_t index;       // op index in the agent's program
  uint64_t begin_step;
  uint64_t end_step;    // kRunning while the op runs
  bool skipped;         // mapped to nothing in the state it met
  std::string what;     // "vmap 0xffffc90000200000..0xffffc90000204000"
};

class OpRunner {
 public:
  // `ops_mask`: bit i set = OpKind i runs; others are skipped (SVAFUZZ_OPS).
  OpRunner(const OpEnv& env, uint32_t ops_mask = ~0u);

  // Runs agent `agent`'s program (called on that agent); a device agent uses
  // env.devices[device % size]. Releases what an attacker sprayed at the end.
  void run_agent(uint32_t agent, const Agent& program, uint32_t device);

  // Marks [start, end) of the vmalloc window as a live vmap area the world mapped (its kernel
  // slots), so ops never map over it and vunmap may unmap it. Call before the agents run.
  void add_live_vmap(uint64_t start, uint64_t end) { vmaps_.push_back({start, end, 0, false}); }

  // Every performed op so far (copy; thread-safe).
  std::vector<OpRecord> records() const;

 private:
  struct Range {
    uint64_t start, end;
    int pins;
    bool exclusive;   // held by the op adding or removing it (reserve/take until unpin/finish)
  };
  struct Bound {
    iommu::iommu_sva* handle;
    unsigned slot;
  };
  struct AgentCtx {
    uint32_t id;
    uint32_t device;
    std::vector<Bound> handles;
    std::vector<mm::ptdesc*> spray;
  };

  std::string perform(AgentCtx& c, const Op& op);
  std::string vmap(const Op& op);
  std::string vmap_huge(const Op& op);
  std::string vunmap(const Op& op);
  std::string hot_add(const Op& op);
  std::string hot_remove(const Op& op);
  std::string cpa(const Op& op);
  std::string mmap(const Op& op);
  std::string munmap(const Op& op);
  std::string dma(AgentCtx& c, const Op& op);
  std::string bind(AgentCtx& c, const Op& op);
  std::string unbind(AgentCtx& c, const Op& op);
  std::string exit(const Op& op);
  std::string ptdump(const Op& op);
  std::string spray(AgentCtx& c, const Op& op);
  std::string release(AgentCtx& c);

  // A process slot (see "processes" above). Guarded by mu_.
  struct Proc {
    mm::mm_struct* mm = nullptr;   // nullptr once its last user left, until a bind restarts it
    uint32_t pasid = 0;
    int users = 0;                 // mm_users: 1 for the running process, +1 per op using it
    bool exiting = false;
    std::vector<Range> upages;     // its mapped user pages
  };
  mm::mm_struct* mmget(unsigned slot);
  void mmput(unsigned slot, mm::mm_struct* mm);
  mm::mm_struct* mmget_or_start(unsigned slot);

  bool reserve(std::vector<Range>* v, uint64_t start, uint64_t end);
  bool take(std::vector<Range>* v, uint64_t addr, uint8_t arg, Range* out);
  bool take_all(std::vector<Range>* v, uint64_t start, uint64_t end, std::vector<Range>* out);
  void finish(std::vector<Range>* v, uint64_t start);
  void unpin(std::vector<Range>* v, uint64_t start);
  uint64_t op_va(const Op& op) const;

  OpEnv env_;
  uint32_t mask_;
  mutable std::mutex mu_;   // bookkeeping only; never held across a scheduling point
  std::vector<Range> vmaps_, hot_;
  Proc procs_[kMaxProcesses];
  std::vector<bool> boot_claimed_;   // boot handle i already unbound (or being unbound)
  std::vector<OpRecord> records_;
};

}  // namespace svafuzz::scenario
