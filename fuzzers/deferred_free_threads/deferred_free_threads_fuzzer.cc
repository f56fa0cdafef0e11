// deferred_free_threads_fuzzer: the same concurrent free/walk scenarios (core/scenario) on REAL
// threads (meaningful under the tsan preset, TSAN_OPTIONS=halt_on_error=1), against the free-path design named by
// SVAFUZZ_DESIGN (default mainline). Finds data races (ThreadSanitizer: a list_add without the
// lock) and, like the sched target, frame-check / stranded / list-debug findings. The OS picks
// the interleaving, so an input is not a deterministic reproducer here: the schedule stream is
// unused and the interleaving signal is off (there is no trace); edge coverage still guides.
// Configuration: core/scenario/fuzz_entry.h. Inputs: binary, or text ("svafuzz-scenario 1").
#include <cstddef>
#include <cstdint>

#include "core/scenario/fuzz_entry.h"
#include "fuzzers/common/coverage_races.h"

namespace {
svafuzz::scenario::FuzzConfig g_cfg;
}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  svafuzz::fuzzers::ignore_coverage_counter_races();
  g_cfg = svafuzz::scenario::load_fuzz_config("deferred_free_threads_fuzzer",
                                              svafuzz::scenario::Backend::kThreads, argc, argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Inputs beyond 4 KiB carry nothing the decoder reads (bounds in scenario.h); skip them.
  if (size > 4096) return 0;
  svafuzz::scenario::run_input(g_cfg, data, size, nullptr, 0);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  return svafuzz::scenario::custom_mutate(data, size, max_size, seed, LLVMFuzzerMutate,
                                          svafuzz::scenario::Profile::kAll);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2,
                                            uint8_t* out, size_t max_out, unsigned seed) {
  return svafuzz::scenario::custom_crossover(d1, s1, d2, s2, out, max_out, seed);
}
