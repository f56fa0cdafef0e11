// Scenario generation, mutation and crossover (mutate.h).
#include "core/scenario/mutate.h"

#include <algorithm>

#include "core/scenario/codec.h"

namespace svafuzz::scenario {
namespace {

constexpr uint64_t k4K = 1ULL << 12, k2M = 1ULL << 21, k1G = 1ULL << 30;

// A 64-bit finaliser (SplitMix64's): well-spread bits from structured input.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t pick(Rng& rng, std::initializer_list<uint64_t> xs) {
  return *(xs.begin() + rng.below(xs.size()));
}

// Mostly the 2 MiB regions at +2 MiB and +4 MiB, where the world maps its kernel slots (one
// PTE table each, walked by devices and freed by huge promotion).
uint64_t vmalloc_offset(Rng& rng, OpKind k) {
  uint64_t gig = rng.below(6) == 0 ? 1 : 0;
  uint64_t region = rng.below(4) == 0 ? rng.below(4) : 1 + rng.below(2);
  if (k == OpKind::kVmapHuge) return gig * k1G + region * k2M;
  uint64_t page = rng.below(3) == 0 ? rng.below(512) : rng.below(4);
  return gig * k1G + region * k2M + page * k4K;
}

// Boot RAM (the frame pool lives there, mapped by the boot direct map) or the hot-plug window.
uint64_t direct_offset(Rng& rng, OpKind k) {
  bool hot = k == OpKind::kHotAdd || k == OpKind::kHotRemove || rng.below(2) == 0;
  if (hot) return 4 * k1G + rng.below(4) * k2M + (k == OpKind::kCpa ? rng.below(512) * k4K : 0);
  return rng.below(3) * k2M + rng.below(512) * k4K;
}

uint64_t user_offset(Rng& rng) {
  return pick(rng, {0x400000, 0x40000000}) + rng.below(2) * k2M + rng.below(4) * k4K;
}

// Walkers are rare: one ptdump is thousands of scheduling points.
AgentKind random_agent_kind(Rng& rng, Profile profile) {
  for (;;) {
    AgentKind k = AgentKind(rng.below(size_t(AgentKind::kCount)));
    if (k == AgentKind::kWalker && (profile == Profile::kFreePathOnly || rng.below(4) != 0)) continue;
    return k;
  }
}

void mutate_schedule(Scenario* s, Rng& rng) {
  std::vector<uint8_t>& v = s->schedule;
  switch (rng.below(5)) {
    case 0:
      if (v.size() < kMaxSchedule) v.insert(v.begin() + rng.below(v.size() + 1), uint8_t(rng.next()));
      break;
    case 1:
      if (!v.empty()) v.erase(v.begin() + rng.below(v.size()));
      break;
    case 2:   // a new agent pick, same run length
      if (!v.empty()) {
        uint8_t& b = v[rng.below(v.size())];
        b = (b & 0xf0) | uint8_t(rng.below(16));
      }
      break;
    case 3:   // a new run length, same pick
      if (!v.empty()) {
        uint8_t& b = v[rng.below(v.size())];
        b = (b & 0x0f) | uint8_t(rng.below(16) << 4);
      }
      break;
    default:
      if (!v.empty()) v[rng.below(v.size())] = uint8_t(rng.next());
      else v.push_back(uint8_t(rng.next()));
  }
}

Agent* random_agent(Scenario* s, Rng& rng) {
  return s->agents.empty() ? nullptr : &s->agents[rng.below(s->agents.size())];
}

void insert_op(Scenario* s, Rng& rng, Profile profile) {
  Agent* a = random_agent(s, rng);
  if (!a || a->ops.size() >= kMaxOpsPerAgent) return;
  a->ops.insert(a->ops.begin() + rng.below(a->ops.size() + 1), random_op(rng, a->kind, profile));
}

void delete_op(Scenario* s, Rng& rng) {
  Agent* a = random_agent(s, rng);
  if (a && !a->ops.empty()) a->ops.erase(a->ops.begin() + rng.below(a->ops.size()));
}

void change_op(Scenario* s, Rng& rng, Profile profile) {
  Agent* a = random_agent(s, rng);
  if (!a || a->ops.empty()) return;
  Op& op = a->ops[rng.below(a->ops.size())];
  switch (rng.below(3)) {
    case 0: op = random_op(rng, a->kind, profile); break;
    case 1: random_address(rng, &op); break;
    default: op.arg = rng.below(2) ? uint8_t(rng.next()) : uint8_t(op.arg ^ (1u << rng.below(8)));
  }
}

// Moves an op to another agent of the same kind (or swaps two agents' order).
void move_op(Scenario* s, Rng& rng) {
  Agent* from = random_agent(s, rng);
  Agent* to = random_agent(s, rng);
  if (!from || from->ops.empty()) return;
  if (from == to || from->kind != to->kind) {
    std::swap(*from, *to);
    return;
  }
  if (to->ops.size() >= kMaxOpsPerAgent) return;
  size_t i = rng.below(from->ops.size());
  Op op = from->ops[i];
  from->ops.erase(from->ops.begin() + i);
  to->ops.insert(to->ops.begin() + rng.below(to->ops.size() + 1), op);
}

}  // namespace

// Uniform bytes (measured: a bimodal run-length distribution was worse on free-then-flush and
// seed-v3).
void random_schedule(Rng& rng, size_t n, std::vector<uint8_t>* out) {
  out->clear();
  for (size_t i = 0; i < n && i < kMaxSchedule; ++i) out->push_back(uint8_t(rng.next()));
}

void random_address(Rng& rng, Op* op) {
  op->region = default_region(op->kind);
  if (op->kind == OpKind::kDmaRead || op->kind == OpKind::kDmaWrite || op->kind == OpKind::kPrefetch) {
    op->region = Region(rng.below(size_t(Region::kCount)));
  }
  switch (op->region) {
    case Region::kVmalloc: op->offset = vmalloc_offset(rng, op->kind); break;
    case Region::kDirect: op->offset = direct_offset(rng, op->kind); break;
    default: op->offset = user_offset(rng);
  }
  if (!op_uses_address(op->kind)) op->offset = 0, op->region = default_region(op->kind);
}

Op random_op(Rng& rng, AgentKind k, Profile profile) {
  const std::vector<OpKind>& ops = ops_of(k);
  Op op;
  op.kind = ops[rng.below(ops.size())];
  if (profile == Profile::kFreePathOnly && k == AgentKind::kCpu) {
    static const OpKind kFree[] = {OpKind::kVmap, OpKind::kVmapHuge, OpKind::kVunmap,
                                   OpKind::kMmap, OpKind::kMunmap};
    op.kind = kFree[rng.below(5)];
  }
  op.arg = uint8_t(rng.next());
  if (op.kind == OpKind::kVmap) op.arg &= 3;             // small areas share tables more often
  if (op.kind == OpKind::kVmapHuge) op.arg &= rng.below(4) == 0 ? 1 : 0;   // mostly 2 MiB
  if (op.kind == OpKind::kBind) op.arg &= 0x13;          // devices 0-3, either process
  random_address(rng, &op);
  // A quarter of the user addresses belong to the second process (several mms bound at once).
  // Drawn from the address itself, not from rng, so this takes no extra draw (the other
  // agents' ops and the schedules of a seed stay as they were; sva agents now also draw exit
  // ops), and every op at one address agrees on the process.
  if (op.region == Region::kUser && (mix(op.offset) & 3) == 0) op.offset |= 1ULL << kProcOffsetBit;
  return op;
}

void random_topology(Rng& rng, Scenario* s) {
  s->units = rng.below(3) == 0 ? int(2 + rng.below(2)) : 1;
  for (Agent& a : s->agents) {
    if (a.kind != AgentKind::kDevice) continue;
    a.unit = uint8_t(rng.below(size_t(s->units)));
    a.ats = rng.below(2) == 0;
  }
}

Scenario generate(Rng& rng, const GenOptions& o) {
  Scenario s;
  s.levels = rng.below(4) == 0 ? 5 : 4;
  size_t agents = 2 + rng.below(std::max<size_t>(o.max_agents, 2) - 1);
  for (size_t i = 0; i < agents && i < kMaxAgents; ++i) {
    Agent a;
    a.kind = i == 0 ? AgentKind::kCpu : i == 1 ? AgentKind::kDevice : random_agent_kind(rng, o.profile);
    size_t n = a.kind == AgentKind::kWalker ? 1 : 1 + rng.below(std::max<size_t>(o.max_ops, 1));
    for (size_t j = 0; j < n && j < kMaxOpsPerAgent; ++j) {
      // Devices often repeat an access: a walk before and after a free is the bug's shape.
      if (a.kind == AgentKind::kDevice && j > 0 && rng.below(2) == 0) a.ops.push_back(a.ops[rng.below(j)]);
      else a.ops.push_back(random_op(rng, a.kind, o.profile));
    }
    s.agents.push_back(std::move(a));
  }
  random_schedule(rng, o.schedule_bytes, &s.schedule);
  // The topology comes from its own generator, seeded by the schedule, for the same reason.
  uint64_t h = 0x7090;
  for (uint8_t b : s.schedule) h = mix(h ^ b);
  Rng topo(h);
  random_topology(topo, &s);
  return s;
}

void mutate(Scenario* s, Rng& rng, Profile profile) {
  switch (rng.below(10)) {
    case 0: insert_op(s, rng, profile); break;
    case 1: delete_op(s, rng); break;
    case 2: case 3: change_op(s, rng, profile); break;
    case 4: move_op(s, rng); break;
    case 5:
      if (s->agents.size() < kMaxAgents) {
        Agent a;
        a.kind = random_agent_kind(rng, profile);
        a.ops.push_back(random_op(rng, a.kind, profile));
        s->agents.insert(s->agents.begin() + rng.below(s->agents.size() + 1), a);
      }
      break;
    case 6:
      if (s->agents.size() > 1) s->agents.erase(s->agents.begin() + rng.below(s->agents.size()));
      break;
    case 7:
      if (rng.below(8) == 0) s->levels = s->levels == 5 ? 4 : 5;
      else if (rng.below(8) == 0) random_topology(rng, s);
      else mutate_schedule(s, rng);
      break;
    default: mutate_schedule(s, rng);
  }
  clamp(s);
}

Scenario crossover(const Scenario& a, const Scenario& b, Rng& rng) {
  Scenario c;
  c.levels = rng.below(2) ? a.levels : b.levels;
  c.units = std::max(a.units, b.units);
  for (const Agent& x : a.agents) if (rng.below(2)) c.agents.push_back(x);
  for (const Agent& x : b.agents) if (rng.below(2)) c.agents.push_back(x);
  if (c.agents.empty() && !a.agents.empty()) c.agents.push_back(a.agents[0]);
  size_t cut_a = rng.below(a.schedule.size() + 1), cut_b = rng.below(b.schedule.size() + 1);
  c.schedule.assign(a.schedule.begin(), a.schedule.begin() + cut_a);
  c.schedule.insert(c.schedule.end(), b.schedule.begin() + cut_b, b.schedule.end());
  clamp(&c);
  return c;
}

}  // namespace svafuzz::scenario
