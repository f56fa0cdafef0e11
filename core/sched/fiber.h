// Stackful fibers: kernel-style agent code runs as an ordinary sequential function on its own
// stack, and the sched backend switches stacks at scheduling points.
//
// x86-64 uses the hand-written switch in context_switch_x86_64.S (~20 ns); other architectures
// fall back to ucontext (a syscall per switch). Every switch is announced to AddressSanitizer
// and ThreadSanitizer (sanitizer_hooks.h).
//
// Contract: all fibers of one FiberContext family run on one OS thread. A fiber's entry
// function never returns; it ends with fiber_switch(..., /*from_exits=*/true).
#pragma once
#include <cstddef>

#include "core/sched/stack_pool.h"

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace svafuzz::sched {

// The saved state of one execution context (the host thread's stack or a fiber).
struct FiberContext {
#if defined(__x86_64__)
  void* sp = nullptr;
#else
  ucontext_t uc{};
#endif
  const void* stack_bottom = nullptr;   // ASan: bounds of this context's stack
  size_t stack_size = 0;
  void* fake_stack = nullptr;           // ASan: fake stack saved while switched out
  void* tsan_fiber = nullptr;           // TSan: fiber object of this context
};

// Makes `host` describe the calling thread's own stack (call once before switching away).
void fiber_init_host(FiberContext* host);

class Fiber {
 public:
  using Entry = void (*)(void* arg);

  // Prepares a fiber that runs entry(arg) when first switched to. Takes a stack from `pool`.
  Fiber(StackPool* pool, Entry entry, void* arg);
  // Precondition: the fiber is not running (it exited, or never ran, or is abandoned).
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  FiberContext* context() { return &ctx_; }

  // Internal: the first code a new fiber runs (called by the trampoline / makecontext).
  static void start(void* self);

 private:
  StackPool* pool_;
  Stack stack_;
  Entry entry_;
  void* arg_;
  FiberContext ctx_;
};

// Saves the running context into `from` and resumes `to`. Returns when something switches back
// to `from`. With from_exits, `from` is never resumed (ASan frees its fake stack).
void fiber_switch(FiberContext* from, FiberContext* to, bool from_exits = false);

}  // namespace svafuzz::sched
