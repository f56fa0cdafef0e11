// What the scenario fuzz targets share behind their thin entry points: configuration from the
// environment and flags, input decoding (binary or text), running one input and reporting a
// finding, and the structure-aware LLVMFuzzerCustomMutator / CustomCrossOver bodies.
//
// Configuration (read once, in LLVMFuzzerInitialize):
//   SVAFUZZ_DESIGN=NAME   or -design=NAME   design under test (default: mainline); an unknown
//                                           name prints the known ones and exits with status 2
//   SVAFUZZ_KERNEL=NAME   or -kernel=NAME   simulated kernel profile (core/mm/kernel_profile.h):
//                                           v6.18, v6.19, v6.19-fixed (default: v6.19-fixed,
//                                           where every op can be hunted past the known v6.19
//                                           gaps); an unknown name exits with status 2
//   SVAFUZZ_OPS=SPEC      or -ops=SPEC      ops that run: all (default), free-path, or a
//                                           comma-separated list of op names
//   SVAFUZZ_INTERLEAVE=0                    turn the interleaving signal (extra counters) off
//   SVAFUZZ_STORY=1                         print every input's interleaving, finding or not
//                                           (to read a reproducer: run the target on the file)
//   SVAFUZZ_COST=1                          time each execution's phases and print the cost
//                                           breakdown at exit (exec_cost.h; bench/fuzz/cost.sh)
// The -design=/-kernel=/-ops= flags are removed from argv before libFuzzer parses it, so libFuzzer does
// not warn about them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/scenario/custom_mutator.h"
#include "core/scenario/executor.h"
#include "core/scenario/mutate.h"
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

struct FuzzConfig {
  std::string target;               // for the finding report
  Backend backend = Backend::kSched;
  std::string design = "mainline";
  const mm::KernelProfile* kernel = &mm::kernel_v6_19_fixed();
  uint32_t ops_mask = ~0u;
  bool interleave = true;
  bool story_always = false;
  size_t story_window = 48;   // SVAFUZZ_STORY_WINDOW: trace entries shown before a finding
  // SVAFUZZ_GRANT_CAP: granted bulk points before an execution is cut off (executor.h
  // kGrantCapPerExecution); 0: no cap. The process prints how many were cut off at exit.
  uint64_t grant_cap = kGrantCapPerExecution;
  bool cost = false;          // SVAFUZZ_COST=1: per-execution cost breakdown at exit
};

// Reads the environment and strips -design=/-kernel=/-ops= from argv. Exits with status 2 and a
// clear message on an unknown design, kernel profile or op name.
FuzzConfig load_fuzz_config(const char* target, Backend backend, int* argc, char*** argv);

// Runs one input under cfg; on a finding prints the interleaving and the
// "==SVAFUZZ== FINDING <detector> ..." lines, then aborts (libFuzzer saves the input).
// `counters` may be nullptr.
void run_input(const FuzzConfig& cfg, const uint8_t* data, size_t size, uint8_t* counters,
               size_t ncounters);

// Installs an AddressSanitizer death callback that prints the running execution's story.
void install_death_story();

}  // namespace svafuzz::scenario
