// Structure-aware generation and mutation of scenarios: the LLVMFuzzerCustomMutator and
// LLVMFuzzerCustomCrossOver of the scenario fuzz targets call these on decoded scenarios, so
// every mutant is well formed. The deterministic planted-bug drivers (tests/scenario) and the
// stress baseline (bench/fuzz) call generate() with a fixed seed.
//
// Addresses are drawn from small, meaningful sets so that agents collide on the same tables:
// the first 2 GiB of the vmalloc window with 4 KiB / 2 MiB / 1 GiB alignment, the boot RAM and
// the hot-plug window of the direct map, and the first user gigabytes. The executor maps any
// offset onto a valid one; these sets only make collisions likely.
#pragma once
#include <cstdint>

#include "core/sched/strategies.h"
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

using Rng = sched::SplitMix64;

// Which agent kinds generate() may use. kFreePathOnly restricts cpus to the vmalloc ops
// (vmap, huge promotion, vunmap) and walkers out, so the only kernel-table frees are the ones
// the deferred free path covers: correct designs must then stay clean. kAll adds hot-remove,
// CPA and ptdump, whose v6.19 gaps are documented in docs/findings/.
enum class Profile : uint8_t { kFreePathOnly = 0, kAll };

struct GenOptions {
  Profile profile = Profile::kAll;
  size_t max_agents = 5;
  size_t max_ops = 6;          // per agent
  size_t schedule_bytes = 96;   // seed-v3 mean runs to find, 40 seeds: 48 B 2,480, 96 B 2,276, 192 B 3,026
};

Scenario generate(Rng& rng, const GenOptions& opts = {});

// A random schedule stream of n bytes.
void random_schedule(Rng& rng, size_t n, std::vector<uint8_t>* out);

// A random op of agent kind `k` with a meaningful address.
Op random_op(Rng& rng, AgentKind k, Profile profile = Profile::kAll);
// A meaningful offset for `op` (region chosen to suit the op).
void random_address(Rng& rng, Op* op);
// 1-3 VT-d units (multi-unit a third of the time) and, per device agent, its unit and ATS.
void random_topology(Rng& rng, Scenario* s);

// One structural mutation in place (insert/delete/change an op, move an op between agents,
// mutate an address or argument, add/remove an agent, mutate the schedule stream, flip the
// paging depth). The result respects the bounds of scenario.h.
void mutate(Scenario* s, Rng& rng, Profile profile = Profile::kAll);

// Agents of both parents (each agent from one of them), schedules spliced at a random point.
Scenario crossover(const Scenario& a, const Scenario& b, Rng& rng);

}  // namespace svafuzz::scenario
