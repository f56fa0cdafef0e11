// Findings: what the model's own detectors report (the sanitizers report for themselves).
//
// A finding is recorded in the process-wide FindingLog and handed to the installed runtime.
// Model code that reports a finding keeps going where the kernel would keep going (a
// might_sleep splat is a warning) and stops the operation where continuing would mean reading
// garbage (a walk into a reused frame). Harnesses check the log after each execution; fuzz
// targets abort on a finding so the engine saves the input.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/sync/event.h"
#include "core/sync/runtime.h"

namespace svafuzz {

// Stable detector names, also printed on the main job's machine-readable last line.
enum class Detector : uint8_t {
  kFrameCheck = 0,   // a walk entered a frame that is free or no longer a table of that space
  kListDebug,        // list corruption (CONFIG_DEBUG_LIST's checks)
  kMightSleep,       // sleeping function called from invalid context
  kDeadlock,         // no runnable agent while some agent is blocked
  kStepBudget,       // the execution exceeded its step budget (a livelock or a hang)
  kStranded,         // a frame left on a deferred-free list at teardown
  kLeak,             // a frame the model allocated and never freed
  kOracle,           // the radix tables or a cache disagree with the reference model
  kDoubleFree,       // a frame freed twice
  kLockMisuse,       // unlock of an unlocked lock, unlock by a non-owner
  kDanglingTable,    // a table frame released while a reachable entry points at it, or a
                     // reachable entry into a freed or reused frame at teardown
  kCount
};

const char* detector_name(Detector d);
// Parses a detector name; returns false for an unknown name.
bool parse_detector(const std::string& name, Detector* out);

// The page-table (or data) frame a finding is about, snapshotted when it is reported: the frame
// may be reused afterwards. Names kernel functions only (no pfn-dependent text beyond `pfn`),
// so finding signatures (core/scenario/signature.h) can be built from it.
struct FindingFrame {
  bool valid = false;
  uint64_t pfn = 0;
  bool reused = false;       // the frame had been freed and handed out again (else: it is free)
  bool table_walk = true;    // a walker entered it as a table (false: a DMA landed in it)
  int level = 0;             // level of the freed incarnation (1 = PTE ... 5; 0 = not a table)
  std::string alloc_site;    // the kernel function that allocated that incarnation
  std::string free_site;     // the kernel function that released it (the queueing caller of a
                             // deferred free, not the design's worker)
  std::string free_via;      // the scenario op's kernel entry of the agent that freed/queued it
};

struct Finding {
  Detector detector = Detector::kOracle;
  std::string message;
  sync::SourceLoc loc{};
  std::string agent;
  uint64_t step = 0;
  std::string walker;        // who made the faulting access, as the reporter names it ("" = n/a)
  std::string agent_op;      // the reporting agent's scenario op at report time ("" = none)
  FindingFrame frame;
};

// Process-wide record of findings for the current execution. Thread-safe.
class FindingLog {
 public:
  void add(Finding f);
  void clear();
  bool empty() const;
  std::vector<Finding> snapshot() const;
  // The first finding, for one-line summaries. Precondition: !empty().
  Finding first() const;

 private:
  mutable std::mutex mu_;
  std::vector<Finding> findings_;
};

FindingLog& findings();

// Records a finding from the calling agent and notifies the installed runtime.
void report_finding(Detector d, std::string message, sync::SourceLoc loc = SVAFUZZ_HERE);
// As above, with the frame the finding is about and the walker that met it.
void report_frame_finding(Detector d, std::string message, FindingFrame frame, std::string walker,
                          sync::SourceLoc loc = SVAFUZZ_HERE);

// "detector at file:line by agent (step N): message"
std::string format_finding(const Finding& f);

}  // namespace svafuzz
