// Litmus tests for free-path designs, in the style of tools/memory-model: one file per test,
// named by its shape and design (litmus/<shape>.<design>.litmus), opening with its expected
// result and one paragraph on what it shows, then key/value lines:
//
//   Sometimes                      (or Never)
//   <paragraph, up to a blank line>
//
//   design seed-v3                 a registered design (svafuzz designs)
//   shape FreeQ.FreeP+DmaP+DmaP    a litmus shape (shapes.h)
//   preemptions 2                  exhaustive preemption bound k
//   expect asan|frame-check        Sometimes: the detectors that count; Never: "clean"
//   levels 4                       optional: 4 (default) or 5
//   strategy exhaustive            optional: exhaustive (default) | random
//   runs 200                       optional (random)
//   max-executions 200000          optional (exhaustive): give up (a MISMATCH) beyond this
//
// "Sometimes": some execution within the bound produces a finding of an expected detector.
// "Never": the bounded exhaustive search completes with no finding at all.
#pragma once
#include <string>
#include <vector>

#include "core/free/explore.h"

namespace svafuzz::free {

struct LitmusTest {
  std::string file;
  std::string name;          // the file's base name without .litmus
  bool sometimes = false;
  std::string paragraph;
  std::string expect;        // detectors ('|'-separated) or "clean"
  ExploreOptions opts;
};

// Parses one file; false with a one-line *error naming the file and line on bad input.
bool parse_litmus(const std::string& path, LitmusTest* out, std::string* error);

struct LitmusResult {
  LitmusTest test;
  Outcome outcome;
  std::string actual;        // "Sometimes (asan)" / "Never" / "Never? (incomplete)"
  bool pass = false;
  double seconds = 0;
};

// Runs the test in a forked child (run_isolated), so an ASan report is a result.
LitmusResult run_litmus(const LitmusTest& t);

// The result table, one row per test: name, expected, actual, executions, seconds, verdict.
std::string format_litmus_table(const std::vector<LitmusResult>& results);

}  // namespace svafuzz::free
