// The per-thread installed runtime and the direct (no-runtime) defaults.
#include "core/sync/runtime.h"

#include <thread>

namespace svafuzz::sync {
namespace {
thread_local Runtime* t_runtime = nullptr;
thread_local AgentState t_default_agent;
}  // namespace

Runtime* current_runtime() { return t_runtime; }

RuntimeScope::RuntimeScope(Runtime* rt) : prev_(t_runtime) { t_runtime = rt; }
RuntimeScope::~RuntimeScope() { t_runtime = prev_; }

AgentState& current_agent() {
  if (Runtime* rt = t_runtime) return rt->agent();
  return t_default_agent;
}

uint64_t current_step() {
  if (Runtime* rt = t_runtime) return rt->step();
  return 0;
}

bool kthread_should_stop() {
  Runtime* rt = t_runtime;
  return rt != nullptr && rt->should_stop();
}

void yield_point(SourceLoc loc) {
  if (Runtime* rt = t_runtime) {
    rt->point(Event{EventKind::kYield, nullptr, loc});
  } else {
    std::this_thread::yield();
  }
}

void wait_on(const void* obj, SourceLoc loc) {
  if (Runtime* rt = t_runtime) {
    rt->block(obj, Event{EventKind::kBlock, obj, loc});
  } else {
    std::this_thread::yield();
  }
}

void wake_up(const void* obj) {
  if (Runtime* rt = t_runtime) rt->wake(obj);
}

}  // namespace svafuzz::sync
