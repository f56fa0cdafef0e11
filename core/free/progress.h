// What an exploration is doing right now, for reports written when the process dies (an
// AddressSanitizer report aborts it): the design, shape, executions so far and the seed.
// Written by explore(), read by the death callback of run_isolated() (isolate.h).
#pragma once
#include <cstdint>
#include <string>

namespace svafuzz::free {

struct Progress {
  std::string design;
  std::string shape;
  uint64_t executions = 0;   // executions completed before the current one
  uint64_t seed = 0;         // random strategy: the current execution's seed
};

Progress& progress();

}  // namespace svafuzz::free
