// Sanitizer annotations for fiber switches, compiled to nothing without a sanitizer.
//
// AddressSanitizer must be told about every stack switch (__sanitizer_start_switch_fiber /
// __sanitizer_finish_switch_fiber) or it reports false stack-buffer errors and misses fake
// stacks; ThreadSanitizer needs one fiber object per stack (__tsan_create_fiber ...).
#pragma once
#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVAFUZZ_HAS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SVAFUZZ_HAS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SVAFUZZ_HAS_ASAN)
#define SVAFUZZ_HAS_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SVAFUZZ_HAS_TSAN)
#define SVAFUZZ_HAS_TSAN 1
#endif
#ifndef SVAFUZZ_HAS_ASAN
#define SVAFUZZ_HAS_ASAN 0
#endif
#ifndef SVAFUZZ_HAS_TSAN
#define SVAFUZZ_HAS_TSAN 0
#endif

#if SVAFUZZ_HAS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if SVAFUZZ_HAS_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace svafuzz::sched {

inline void unpoison_stack(void* base, size_t size) {
#if SVAFUZZ_HAS_ASAN
  __asan_unpoison_memory_region(base, size);
#else
  (void)base;
  (void)size;
#endif
}

}  // namespace svafuzz::sched
