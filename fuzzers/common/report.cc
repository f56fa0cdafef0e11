// Fuzz-target finding report.
#include "fuzzers/common/report.h"

#include <cstdio>
#include <cstdlib>

#include "core/sync/finding.h"

namespace svafuzz::fuzz {

void abort_on_findings(const char* target) {
  if (findings().empty()) return;
  for (const Finding& f : findings().snapshot()) {
    std::fprintf(stderr, "==SVAFUZZ== FINDING %s %s\n", detector_name(f.detector),
                 format_finding(f).c_str());
  }
  std::fprintf(stderr, "==SVAFUZZ== %s: aborting on the finding above\n", target);
  std::fflush(stderr);
  std::abort();
}

}  // namespace svafuzz::fuzz
