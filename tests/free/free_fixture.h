// Helpers for the free-path tests: run an exploration so that an AddressSanitizer report is an
// outcome (forked in ASan builds, in-process otherwise), and check expected detectors.
#pragma once
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "core/free/explore.h"
#include "core/free/isolate.h"
#include "core/free/registry.h"

namespace svafuzz::free::testing {

inline Outcome run(const ExploreOptions& o) {
  std::string error;
  EXPECT_TRUE(validate(o, &error)) << error;
  if (sanitizer_aborts()) return run_isolated([&o] { return explore(o); });
  return explore(o);
}

inline bool one_of(const std::string& detectors, const std::string& d) {
  std::stringstream ss(detectors);
  std::string part;
  while (std::getline(ss, part, '|')) {
    if (part == d) return true;
  }
  return false;
}

inline ExploreOptions exhaustive(const std::string& design, const std::string& shape, int k) {
  ExploreOptions o;
  o.design = design;
  o.shape = shape;
  o.preemptions = k;
  o.strategy = Strategy::kExhaustive;
  o.max_executions = 2000000;
  return o;
}

}  // namespace svafuzz::free::testing
