// The compact binary encoding of a Scenario, the form libFuzzer mutates.
//
// Layout (all single bytes unless noted):
//   flags            bit 0: 5-level paging; bits 1-2: VT-d units - 1 (3 means 3 units);
//                    other bits ignored
//   design_len       % (kMaxDesignName + 1), then that many bytes of design name (sanitised)
//   agent_count      % (kMaxAgents + 1)
//   per agent:       kind (low nibble % AgentKind::kCount; for device agents, bits 4-5: the
//                    unit (% units), bit 6: ATS), op_count (% (kMaxOpsPerAgent + 1)),
//                    per op: kind (index into ops_of(agent kind), modulo its size),
//                            region (% Region::kCount), offset (LEB128 varint, <= 10 bytes),
//                            arg
//   the rest         the schedule stream (at most kMaxSchedule bytes)
//
// decode() accepts ANY byte string: every field is reduced into range, a truncated agent or op
// is dropped, and what cannot be read is left at its default. encode() writes the canonical
// form, so decode(encode(s)) == s for every scenario within the bounds of scenario.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

Scenario decode(const uint8_t* data, size_t size);
std::vector<uint8_t> encode(const Scenario& s);

// Clamps a scenario built by hand or by a mutator into the bounds decode() guarantees (agent
// and op counts, schedule length, design name), so encode() round-trips it.
void clamp(Scenario* s);

}  // namespace svafuzz::scenario
