// Kernel atomics and bitops (atomic_t, atomic_long_t, set_bit, test_and_set_bit, ...), each a
// scheduling point followed by a real atomic operation.
//
// Ordering follows the kernel: value-returning RMW operations (atomic_inc_return,
// test_and_set_bit, atomic_cmpxchg) are fully ordered; the void ones (atomic_inc, set_bit,
// clear_bit) and atomic_read/atomic_set are relaxed.
#pragma once
#include <atomic>

#include "core/sync/runtime.h"

namespace svafuzz::sync {

struct atomic_t {
  std::atomic<int> counter{0};
  atomic_t() = default;
  explicit atomic_t(int v) : counter(v) {}
};

struct atomic_long_t {
  std::atomic<long> counter{0};
  atomic_long_t() = default;
  explicit atomic_long_t(long v) : counter(v) {}
};

#define SVAFUZZ_ATOMIC_POINT(obj, loc) point(Event{EventKind::kAtomic, (obj), (loc)})

inline int atomic_read(const atomic_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  point(Event{EventKind::kRead, v, loc});
  return v->counter.load(std::memory_order_relaxed);
}
inline void atomic_set(atomic_t* v, int i, SourceLoc loc = SVAFUZZ_HERE) {
  point(Event{EventKind::kWrite, v, loc});
  v->counter.store(i, std::memory_order_relaxed);
}
inline void atomic_inc(atomic_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.fetch_add(1, std::memory_order_relaxed);
}
inline void atomic_dec(atomic_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.fetch_sub(1, std::memory_order_relaxed);
}
inline int atomic_inc_return(atomic_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  return v->counter.fetch_add(1, std::memory_order_seq_cst) + 1;
}
inline bool atomic_dec_and_test(atomic_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  return v->counter.fetch_sub(1, std::memory_order_seq_cst) == 1;
}
inline int atomic_cmpxchg(atomic_t* v, int old, int val, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.compare_exchange_strong(old, val, std::memory_order_seq_cst);
  return old;
}
inline int atomic_xchg(atomic_t* v, int val, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  return v->counter.exchange(val, std::memory_order_seq_cst);
}

// Bitops on a plain unsigned long word, as in the kernel (the word itself is not std::atomic;
// every access to it must go through these or READ_ONCE).
inline unsigned long bit_mask(unsigned nr) { return 1UL << (nr % (8 * sizeof(unsigned long))); }
inline unsigned long* bit_word(unsigned nr, unsigned long* addr) {
  return addr + nr / (8 * sizeof(unsigned long));
}

inline void set_bit(unsigned nr, unsigned long* addr, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(bit_word(nr, addr), loc);
  __atomic_fetch_or(bit_word(nr, addr), bit_mask(nr), __ATOMIC_RELAXED);
}
inline void clear_bit(unsigned nr, unsigned long* addr, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(bit_word(nr, addr), loc);
  __atomic_fetch_and(bit_word(nr, addr), ~bit_mask(nr), __ATOMIC_RELAXED);
}
inline bool test_bit(unsigned nr, const unsigned long* addr, SourceLoc loc = SVAFUZZ_HERE) {
  const unsigned long* w = addr + nr / (8 * sizeof(unsigned long));
  point(Event{EventKind::kRead, w, loc});
  return (__atomic_load_n(w, __ATOMIC_RELAXED) & bit_mask(nr)) != 0;
}
inline bool test_and_set_bit(unsigned nr, unsigned long* addr, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(bit_word(nr, addr), loc);
  return (__atomic_fetch_or(bit_word(nr, addr), bit_mask(nr), __ATOMIC_SEQ_CST) & bit_mask(nr)) != 0;
}
inline bool test_and_clear_bit(unsigned nr, unsigned long* addr, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(bit_word(nr, addr), loc);
  return (__atomic_fetch_and(bit_word(nr, addr), ~bit_mask(nr), __ATOMIC_SEQ_CST) & bit_mask(nr)) != 0;
}

#undef SVAFUZZ_ATOMIC_POINT

}  // namespace svafuzz::sync
