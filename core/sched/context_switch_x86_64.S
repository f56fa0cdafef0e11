// Hand-written x86-64 (System V) context switch for the sched backend's fibers.
//
// void svafuzz_ctx_switch(void** save_sp, void* new_sp)
//   Pushes the callee-saved registers (rbp rbx r12-r15) and MXCSR / x87 control word on the
//   current stack, stores rsp in *save_sp, loads new_sp and pops the same frame from it.
//   Every other register is caller-saved, so the C++ caller has already spilled it.
//
// svafuzz_ctx_trampoline
//   First "return address" of a new fiber: fiber.cc lays out a frame whose r12 holds the
//   argument and r13 the entry function, which must never return.
#if defined(__x86_64__)
  .text
  .globl svafuzz_ctx_switch
  .type svafuzz_ctx_switch,@function
  .p2align 4
svafuzz_ctx_switch:
  .cfi_startproc
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .cfi_endproc
  .size svafuzz_ctx_switch,.-svafuzz_ctx_switch

  .globl svafuzz_ctx_trampoline
  .type svafuzz_ctx_trampoline,@function
  .p2align 4
svafuzz_ctx_trampoline:
  .cfi_startproc
  .cfi_undefined rip
  xorl %ebp, %ebp
  movq %r12, %rdi
  callq *%r13
  ud2
  .cfi_endproc
  .size svafuzz_ctx_trampoline,.-svafuzz_ctx_trampoline
#endif
  .section .note.GNU-stack,"",@progbits
