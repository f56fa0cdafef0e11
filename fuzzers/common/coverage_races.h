// ThreadSanitizer and libFuzzer's coverage counters.
//
// -fsanitize=fuzzer-no-link gives every instrumented block a byte in the __sancov_cntrs
// section, incremented with plain loads and stores from whatever thread runs the block. On the
// real-thread backend every agent thread runs model code, so the counters are written
// concurrently by design (libFuzzer reads them only between executions), and clang 14's TSan
// instruments those increments: each execution would report a data race on a counter
// (measured: the first report of the fuzz-tsan hunt of mainline, at an address inside
// [__start___sancov_cntrs, __stop___sancov_cntrs)). ignore_coverage_counter_races() declares
// that one section a benign race (AnnotateBenignRaceSized), so every race on the model's own
// memory is still reported. A no-op without ThreadSanitizer or without the section.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/sched/sanitizer_hooks.h"

#if SVAFUZZ_HAS_TSAN
extern "C" {
extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));
void AnnotateBenignRaceSized(const char* file, int line, const volatile void* mem, size_t size,
                             const char* description);
}
#endif

namespace svafuzz::fuzzers {

inline void ignore_coverage_counter_races() {
#if SVAFUZZ_HAS_TSAN
  if (__start___sancov_cntrs != nullptr && +__stop___sancov_cntrs > +__start___sancov_cntrs) {
    AnnotateBenignRaceSized(__FILE__, __LINE__, __start___sancov_cntrs,
                            static_cast<size_t>(__stop___sancov_cntrs - __start___sancov_cntrs),
                            "libFuzzer coverage counters (__sancov_cntrs)");
  }
#endif
}

}  // namespace svafuzz::fuzzers
