// Fiber stacks: mmap'ed, with a PROT_NONE guard page below the usable range, and reused across
// executions so an execution costs no mmap/munmap.
//
// Contract: not thread-safe; one pool per SchedRuntime (the sched backend runs on one OS
// thread). A released stack is unpoisoned for AddressSanitizer before it is handed out again.
#pragma once
#include <cstddef>
#include <vector>

namespace svafuzz::sched {

struct Stack {
  void* base = nullptr;   // lowest usable byte (just above the guard page)
  size_t size = 0;        // usable bytes
};

class StackPool {
 public:
  explicit StackPool(size_t stack_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack of stack_size() usable bytes. Aborts if mmap fails.
  Stack acquire();
  // Returns a stack from acquire(); no fiber may be running on it.
  void release(Stack s);

  size_t stack_size() const { return size_; }

 private:
  size_t size_;
  std::vector<Stack> free_;
  std::vector<Stack> all_;
};

// The default usable size: ASan's fake frames and redzones need about 256 KiB.
size_t default_stack_size();

}  // namespace svafuzz::sched
