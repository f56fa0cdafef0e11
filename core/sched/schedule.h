// A schedule is data: the agent chosen at every choice of one execution, in order. The sched
// runtime records it; ReplayChoice feeds it back. A ScheduleFile adds the header a saved input
// needs (scenario, strategy, seed, expected trace hash) and has a small text format:
//
//   svafuzz-schedule 1
//   scenario lost-update
//   strategy random
//   seed 7
//   hash 0123456789abcdef
//   choices 0 1 1 0
//
// Lines may come in any order after the first; '#' starts a comment line. `choices` may be empty.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/sync/runtime.h"

namespace svafuzz::sched {

using Schedule = std::vector<sync::AgentId>;

struct ScheduleFile {
  std::string scenario;
  std::string strategy = "replay";
  uint64_t seed = 0;
  uint64_t hash = 0;        // expected trace hash; 0 when unknown
  Schedule choices;
};

std::string format_schedule_file(const ScheduleFile& f);

// Parses the text format. On failure returns false and sets *error to a one-line reason
// naming the offending line.
bool parse_schedule_file(const std::string& text, ScheduleFile* out, std::string* error);

// Reads and parses a file; *error says why it failed (unreadable, malformed).
bool load_schedule_file(const std::string& path, ScheduleFile* out, std::string* error);
bool save_schedule_file(const std::string& path, const ScheduleFile& f, std::string* error);

}  // namespace svafuzz::sched
