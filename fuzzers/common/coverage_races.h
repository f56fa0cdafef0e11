// ThreadSanitizer and libFuzzer's coverage counters.
//
// -fsanitize=fuzzer-no-link gives every instrumented block a byte in the __sancov_cntrs
// section, incremented with plain loads and stores from whatever thread runs the block. On the
// real-thread backend every agent thread runs model code, so the counters are written
// concurrently by design (libFuzzer reads them only between executions), and clang 14's TSan
// instruments those increments: executions report data races on counters (measured: the first
// report of the fuzz-tsan hunt of mainline, a 1-byte write at an address inside the section).
// ignore_coverage_counter_races() declares that section a benign race (AnnotateBenignRaceSized),
// so every race on the model's own memory is still reported.
//
// The section is found in the running executable's ELF section headers, not through the
// linker's __start___sancov_cntrs symbols: a reference to those from user code stops
// SanitizerCoverage's module constructor from registering the counters with libFuzzer
// (measured with clang 14: no "inline 8-bit counters" line, ft: 3).
#pragma once

namespace svafuzz::fuzzers {

// Returns the size of the section declared benign, or 0 (no TSan, no section, or the
// executable could not be read; then TSan reports stay as they are).
unsigned long ignore_coverage_counter_races();

}  // namespace svafuzz::fuzzers
