// Fiber creation and switching, with the AddressSanitizer / ThreadSanitizer annotations.
#include "core/sched/fiber.h"

#include <cstdint>
#include <cstdlib>

#include "core/sched/sanitizer_hooks.h"

#if defined(__x86_64__)
extern "C" void svafuzz_ctx_switch(void** save_sp, void* new_sp);
extern "C" void svafuzz_ctx_trampoline();
#endif

namespace svafuzz::sched {
namespace {

// The context that is switching away, so the resumed side can complete the ASan handshake.
thread_local FiberContext* t_switching_from = nullptr;

void finish_switch(FiberContext* self) {
#if SVAFUZZ_HAS_ASAN
  const void* from_bottom = nullptr;
  size_t from_size = 0;
  __sanitizer_finish_switch_fiber(self->fake_stack, &from_bottom, &from_size);
  FiberContext* from = t_switching_from;
  if (from != nullptr && from->stack_bottom == nullptr) {
    from->stack_bottom = from_bottom;   // learns the host stack's bounds on the first switch
    from->stack_size = from_size;
  }
#else
  (void)self;
#endif
}

#if defined(__x86_64__)
// Initial frame popped by svafuzz_ctx_switch: mxcsr/fpcw, r15, r14, r13, r12, rbx, rbp, ret.
void* initial_frame(const Stack& s, void (*entry)(void*), void* arg) {
  auto top = (reinterpret_cast<uintptr_t>(s.base) + s.size) & ~uintptr_t{15};
  auto* ret = reinterpret_cast<uintptr_t*>(top - 24);   // after `ret`, rsp % 16 == 0
  ret[0] = reinterpret_cast<uintptr_t>(&svafuzz_ctx_trampoline);
  ret[-1] = 0;                                          // rbp: ends frame-pointer walks
  ret[-2] = 0;                                          // rbx
  ret[-3] = reinterpret_cast<uintptr_t>(arg);           // r12
  ret[-4] = reinterpret_cast<uintptr_t>(entry);         // r13
  ret[-5] = 0;                                          // r14
  ret[-6] = 0;                                          // r15
  uint32_t mxcsr = 0;
  uint16_t fpcw = 0;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fpcw));
  ret[-7] = uint64_t{mxcsr} | (uint64_t{fpcw} << 32);
  return &ret[-7];
}
#else
// makecontext passes int arguments only: the Fiber* travels as two halves.
void ucontext_start(unsigned hi, unsigned lo) {
  Fiber::start(reinterpret_cast<void*>((uintptr_t{hi} << 32) | lo));
}
#endif

}  // namespace

void fiber_init_host(FiberContext* host) {
#if SVAFUZZ_HAS_TSAN
  host->tsan_fiber = __tsan_get_current_fiber();
#endif
  (void)host;
}

Fiber::Fiber(StackPool* pool, Entry entry, void* arg)
    : pool_(pool), stack_(pool->acquire()), entry_(entry), arg_(arg) {
  ctx_.stack_bottom = stack_.base;
  ctx_.stack_size = stack_.size;
#if SVAFUZZ_HAS_TSAN
  ctx_.tsan_fiber = __tsan_create_fiber(0);
#endif
#if defined(__x86_64__)
  ctx_.sp = initial_frame(stack_, &Fiber::start, this);
#else
  getcontext(&ctx_.uc);
  ctx_.uc.uc_stack.ss_sp = stack_.base;
  ctx_.uc.uc_stack.ss_size = stack_.size;
  ctx_.uc.uc_link = nullptr;
  auto self = reinterpret_cast<uintptr_t>(this);
  makecontext(&ctx_.uc, reinterpret_cast<void (*)()>(&ucontext_start), 2,
              static_cast<unsigned>(self >> 32), static_cast<unsigned>(self));
#endif
}

Fiber::~Fiber() {
#if SVAFUZZ_HAS_TSAN
  __tsan_destroy_fiber(ctx_.tsan_fiber);
#endif
  pool_->release(stack_);
}

void Fiber::start(void* self) {
  auto* f = static_cast<Fiber*>(self);
  finish_switch(&f->ctx_);
  f->entry_(f->arg_);
  std::abort();   // entry functions end with an exiting switch
}

void fiber_switch(FiberContext* from, FiberContext* to, bool from_exits) {
#if SVAFUZZ_HAS_ASAN
  __sanitizer_start_switch_fiber(from_exits ? nullptr : &from->fake_stack, to->stack_bottom,
                                 to->stack_size);
#endif
#if SVAFUZZ_HAS_TSAN
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
  t_switching_from = from;
#if defined(__x86_64__)
  svafuzz_ctx_switch(&from->sp, to->sp);
#else
  swapcontext(&from->uc, &to->uc);
#endif
  finish_switch(from);
}

}  // namespace svafuzz::sched
