// mmap'ed fiber stacks with guard pages, pooled.
#include "core/sched/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/sched/sanitizer_hooks.h"

namespace svafuzz::sched {
namespace {

size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

size_t default_stack_size() {
#if SVAFUZZ_HAS_ASAN || SVAFUZZ_HAS_TSAN
  return 256 * 1024;
#else
  return 128 * 1024;
#endif
}

StackPool::StackPool(size_t stack_size) {
  size_t pg = page_size();
  size_ = (stack_size + pg - 1) / pg * pg;
}

StackPool::~StackPool() {
  for (const Stack& s : all_) {
    munmap(static_cast<char*>(s.base) - page_size(), s.size + page_size());
  }
}

Stack StackPool::acquire() {
  if (!free_.empty()) {
    Stack s = free_.back();
    free_.pop_back();
    return s;
  }
  size_t pg = page_size();
  void* mem = mmap(nullptr, size_ + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (mem == MAP_FAILED) {
    std::fprintf(stderr, "svafuzz: cannot mmap a fiber stack\n");
    std::abort();
  }
  mprotect(mem, pg, PROT_NONE);   // guard page: a stack overflow faults here
  Stack s{static_cast<char*>(mem) + pg, size_};
  all_.push_back(s);
  return s;
}

void StackPool::release(Stack s) {
  // Frames abandoned by the last fiber may leave poisoned shadow behind.
  unpoison_stack(s.base, s.size);
  free_.push_back(s);
}

}  // namespace svafuzz::sched
