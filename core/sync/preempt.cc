// might_sleep and the preempt count.
#include "core/sync/preempt.h"

#include <string>

#include "core/sync/finding.h"

namespace svafuzz::sync {

void preempt_disable() { current_agent().preempt_count++; }
void preempt_enable() { current_agent().preempt_count--; }

bool in_atomic() {
  const AgentState& a = current_agent();
  return a.preempt_count > 0 || a.irq_disabled > 0;
}

void might_sleep_at(SourceLoc loc) {
  const AgentState& a = current_agent();
  if (a.preempt_count > 0 || a.irq_disabled > 0) {
    report_finding(Detector::kMightSleep,
                   "BUG: sleeping function called from invalid context (preempt_count=" +
                       std::to_string(a.preempt_count) +
                       ", irqs_disabled=" + std::to_string(a.irq_disabled > 0) + ")",
                   loc);
  }
}

int cond_resched_at(SourceLoc loc) {
  might_sleep_at(loc);
  yield_point(loc);
  return 0;
}

}  // namespace svafuzz::sync
