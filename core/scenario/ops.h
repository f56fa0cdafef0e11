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
//                 at the SVA process's PASID (0, a PASID fault, when it is not bound)
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
  mm::mm_struct* proc = nullptr;                 // the SVA process
  std::vector<iommu::Device*> devices;           // at least one
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
  void add_live_vmap(uint64_t start, uint64_t end) { vmaps_.push_back({start, end, 0}); }

  // Every performed op so far (copy; thread-safe).
  std::vector<OpRecord> records() const;

 private:
  struct Range {
    uint64_t start, end;
    int pins;
    bool exclusive;   // held by the op adding or removing it (reserve/take until unpin/finish)
  };
  struct AgentCtx {
    uint32_t id;
    uint32_t device;
    std::vector<iommu::iommu_sva*> handles;
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
  std::string unbind(AgentCtx& c);
  std::string ptdump(const Op& op);
  std::string spray(AgentCtx& c, const Op& op);
  std::string release(AgentCtx& c);

  bool reserve(std::vector<Range>* v, uint64_t start, uint64_t end);
  bool take(std::vector<Range>* v, uint64_t addr, uint8_t arg, Range* out);
  bool take_all(std::vector<Range>* v, uint64_t start, uint64_t end, std::vector<Range>* out);
  void finish(std::vector<Range>* v, uint64_t start);
  void unpin(std::vector<Range>* v, uint64_t start);
  uint64_t op_va(const Op& op) const;

  OpEnv env_;
  uint32_t mask_;
  mutable std::mutex mu_;   // bookkeeping only; never held across a scheduling point
  std::vector<Range> vmaps_, hot_, upages_;
  std::vector<OpRecord> records_;
};

}  // namespace svafuzz::scenario
