// deferred_free_sched_fuzzer: concurrent free/walk scenarios (core/scenario) on the controlled
// scheduler, under AddressSanitizer + UBSan, against the free-path design named by
// SVAFUZZ_DESIGN (default mainline). Finds freed-page walks: an IOMMU or software walk into a
// freed page-table page (ASan, frame-check), stranded/leaked frames, list corruption,
// might_sleep. On a finding it prints the interleaving (each agent's ops and the scheduling
// points before the finding) and aborts; an ASan report prints it from the death callback.
// Configuration: core/scenario/fuzz_entry.h. Inputs: binary, or text ("svafuzz-scenario 1").
#include <cstddef>
#include <cstdint>

#include "core/scenario/fuzz_entry.h"

namespace {
svafuzz::scenario::FuzzConfig g_cfg;
// The interleaving signal: ordered pairs of conflicting events (interleave.h).
__attribute__((section("__libfuzzer_extra_counters"))) uint8_t g_pairs[1 << 14];
}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  g_cfg = svafuzz::scenario::load_fuzz_config("deferred_free_sched_fuzzer",
                                              svafuzz::scenario::Backend::kSched, argc, argv);
  svafuzz::scenario::install_death_story();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Inputs beyond 4 KiB carry nothing the decoder reads (bounds in scenario.h); skip them.
  if (size > 4096) return 0;
  svafuzz::scenario::run_input(g_cfg, data, size, g_pairs, sizeof g_pairs);
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
