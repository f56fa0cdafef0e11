// Kernel atomics and bitops (atomic_t, atomic_long_t, this_cpu ops, set_bit, test_and_set_bit,
// ...), each a scheduling point followed by a real atomic operation.
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

// atomic_long_t: the same operations on a long (include/linux/atomic/atomic-long.h).
inline long atomic_long_read(const atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  point(Event{EventKind::kRead, v, loc});
  return v->counter.load(std::memory_order_relaxed);
}
inline void atomic_long_set(atomic_long_t* v, long i, SourceLoc loc = SVAFUZZ_HERE) {
  point(Event{EventKind::kWrite, v, loc});
  v->counter.store(i, std::memory_order_relaxed);
}
inline void atomic_long_add(long i, atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.fetch_add(i, std::memory_order_relaxed);
}
inline void atomic_long_sub(long i, atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.fetch_sub(i, std::memory_order_relaxed);
}
inline void atomic_long_inc(atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) { atomic_long_add(1, v, loc); }
inline void atomic_long_dec(atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) { atomic_long_sub(1, v, loc); }
inline long atomic_long_add_return(long i, atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  return v->counter.fetch_add(i, std::memory_order_seq_cst) + i;
}
inline long atomic_long_inc_return(atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  return atomic_long_add_return(1, v, loc);
}
inline long atomic_long_dec_return(atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  return atomic_long_add_return(-1, v, loc);
}
inline bool atomic_long_dec_and_test(atomic_long_t* v, SourceLoc loc = SVAFUZZ_HERE) {
  return atomic_long_add_return(-1, v, loc) == 0;
}
inline long atomic_long_cmpxchg(atomic_long_t* v, long old, long val, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  v->counter.compare_exchange_strong(old, val, std::memory_order_seq_cst);
  return old;
}
inline long atomic_long_xchg(atomic_long_t* v, long val, SourceLoc loc = SVAFUZZ_HERE) {
  SVAFUZZ_ATOMIC_POINT(v, loc);
  return v->counter.exchange(val, std::memory_order_seq_cst);
}

// this_cpu_*() on a per-CPU slot: one scheduling point, then a single relaxed atomic access,
// as the kernel's this_cpu ops are one instruction that nothing on the CPU can split (two
// agents that share a CPU id must not race on it, under ThreadSanitizer either).
template <class T>
T this_cpu_read_at(const T* slot, SourceLoc loc) {
  point(Event{EventKind::kRead, slot, loc});
  return __atomic_load_n(slot, __ATOMIC_RELAXED);
}
template <class T, class U>
void this_cpu_write_at(T* slot, U val, SourceLoc loc) {
  point(Event{EventKind::kWrite, slot, loc});
  __atomic_store_n(slot, static_cast<T>(val), __ATOMIC_RELAXED);
}
template <class T, class U>
void this_cpu_add_at(T* slot, U val, SourceLoc loc) {
  SVAFUZZ_ATOMIC_POINT(slot, loc);
  __atomic_fetch_add(slot, static_cast<T>(val), __ATOMIC_RELAXED);
}
template <class T, class U>
T this_cpu_xchg_at(T* slot, U val, SourceLoc loc) {
  SVAFUZZ_ATOMIC_POINT(slot, loc);
  return __atomic_exchange_n(slot, static_cast<T>(val), __ATOMIC_RELAXED);
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
