// Running an exploration in a forked child, so that an AddressSanitizer report (which aborts
// the process) becomes an Outcome with detector "asan" instead of the end of the harness.
//
// Contract: the child runs fn() and sends its Outcome back through a pipe. If the child dies
// first, the parent classifies the death from the child's stderr (kept in a temporary file
// and copied to the parent's stderr when `echo_stderr`): "AddressSanitizer" -> asan,
// "ThreadSanitizer" -> tsan, anything else -> "crash" with the exit status. The executions
// completed before the death come from progress() (the death callback reports them).
// fork() from a process with live threads is safe here because the child only runs fibers on
// the forking thread (the sched backend) or starts its own threads.
#pragma once
#include <functional>

#include "core/free/explore.h"

namespace svafuzz::free {

Outcome run_isolated(const std::function<Outcome()>& fn, bool echo_stderr = false);

// True in builds whose sanitizer aborts on a report (AddressSanitizer).
bool sanitizer_aborts();

}  // namespace svafuzz::free
