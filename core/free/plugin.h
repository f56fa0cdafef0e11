// The kernel-style plug-in API: the vocabulary a free-path design is written in, so that a
// hunk of mm/pgtable-generic.c compiles with at most trivial edits (docs/plugin-api.md).
//
// Names brought into the global namespace, with the kernel's semantics (each operation is a
// facade scheduling point, see core/sync and core/klib):
//   lists     struct list_head, LIST_HEAD_INIT, LIST_HEAD, INIT_LIST_HEAD, list_add,
//             list_add_tail, list_del, list_del_init, list_empty, list_splice_init,
//             list_splice_tail_init, list_for_each_entry(_safe), list_first_entry, container_of
//   llists    struct llist_head, struct llist_node, LLIST_HEAD(_INIT), llist_add,
//             llist_del_all, llist_empty, llist_for_each_entry_safe, llist_entry
//   locks     spinlock_t, DEFINE_SPINLOCK, __SPIN_LOCK_UNLOCKED, spin_lock, spin_unlock,
//             spin_lock_irqsave, spin_unlock_irqrestore, guard(spinlock), struct mutex,
//             DEFINE_MUTEX, mutex_lock, mutex_unlock, guard(mutex), might_sleep
//   work      struct work_struct, INIT_WORK, __WORK_INITIALIZER, DECLARE_WORK, schedule_work,
//             queue_work, system_wq, flush_work, work_pending
//   atomics   READ_ONCE, WRITE_ONCE, smp_mb/rmb/wmb, atomic_t and atomic_long_t ops,
//             ATOMIC_INIT, ATOMIC_LONG_INIT, set_bit/test_and_set_bit...
//   sched     might_sleep, cond_resched, lockdep_assert_held (spinlock or mutex)
//   mm        struct ptdesc (with pt_list), pagetable_dtor_free, pagetable_free,
//             __pagetable_free, PAGE_OFFSET, PAGE_SIZE
//   iommu     iommu_sva_invalidate_kva_range, TLB_FLUSH_ALL
//   config    IS_ENABLED, CONFIG_ASYNC_KERNEL_PGTABLE_FREE (build option
//             SVAFUZZ_ASYNC_KERNEL_PGTABLE_FREE) and its v3 name CONFIG_ASYNC_PGTABLE_FREE
//   per-CPU   NR_CPUS, DEFINE_PER_CPU, per_cpu_ptr, per_cpu, this_cpu_ptr, this_cpu_read,
//             this_cpu_write, this_cpu_add/sub/inc/dec, this_cpu_xchg, for_each_possible_cpu,
//             raw_smp_processor_id (the calling agent's id modulo NR_CPUS)
//
// Model-only lines a design adds:
//   SVAFUZZ_STATE(obj);                  reset obj to its initial value before every execution
//   SVAFUZZ_PAGETABLE_FREE_KERNEL(fn);   (plug-ins) fn is the design's pagetable_free_kernel
#pragma once
#include <cstdint>

#include "core/free/registry.h"
#include "core/iommu/sva.h"
#include "core/klib/list.h"
#include "core/klib/llist.h"
#include "core/mm/frame.h"
#include "core/mm/kernel.h"
#include "core/mm/pgalloc.h"
#include "core/sync/lockdep.h"
#include "core/sync/sync.h"
#include "core/sync/workqueue.h"

using svafuzz::klib::INIT_LIST_HEAD;
using svafuzz::klib::list_add;
using svafuzz::klib::list_add_tail;
using svafuzz::klib::list_del;
using svafuzz::klib::list_del_init;
using svafuzz::klib::list_empty;
using svafuzz::klib::list_head;
using svafuzz::klib::list_splice_init;
using svafuzz::klib::list_splice_tail_init;
using svafuzz::klib::llist_add;
using svafuzz::klib::llist_del_all;
using svafuzz::klib::llist_empty;
using svafuzz::klib::llist_head;
using svafuzz::klib::llist_node;
using svafuzz::sync::atomic_long_t;
using svafuzz::sync::atomic_t;
using svafuzz::sync::mutex;
using svafuzz::sync::mutex_lock;
using svafuzz::sync::mutex_unlock;
using svafuzz::sync::spin_lock;
using svafuzz::sync::spin_lock_init;
using svafuzz::sync::spin_unlock;
using svafuzz::sync::spin_unlock_irqrestore;
using svafuzz::sync::spinlock_t;
using svafuzz::sync::flush_work;
using svafuzz::sync::queue_work;
using svafuzz::sync::schedule_work;
using svafuzz::sync::work_pending;
using svafuzz::sync::work_struct;
using svafuzz::mm::ptdesc;
using svafuzz::mm::__pagetable_free;
using svafuzz::mm::pagetable_dtor_free;
using svafuzz::mm::pagetable_free;
using svafuzz::iommu::iommu_sva_invalidate_kva_range;
using svafuzz::iommu::TLB_FLUSH_ALL;
using svafuzz::sync::set_bit;
using svafuzz::sync::clear_bit;
using svafuzz::sync::test_bit;
using svafuzz::sync::test_and_set_bit;
using svafuzz::sync::test_and_clear_bit;

// PAGE_OFFSET of the current kernel's layout (__PAGE_OFFSET without KASLR).
#define PAGE_OFFSET (::svafuzz::mm::kernel().layout().page_offset)
#ifndef PAGE_SIZE
#define PAGE_SIZE (::svafuzz::mm::PAGE_SIZE)
#endif

// IS_ENABLED(CONFIG_FOO) as in include/linux/kconfig.h: 1 if the macro is defined to 1.
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)

// The seed thread's v3 spelled the option CONFIG_ASYNC_PGTABLE_FREE.
#if defined(CONFIG_ASYNC_KERNEL_PGTABLE_FREE) && !defined(CONFIG_ASYNC_PGTABLE_FREE)
#define CONFIG_ASYNC_PGTABLE_FREE 1
#endif

// Per-CPU data: NR_CPUS copies; the "CPU" of an agent is its id modulo NR_CPUS.
#define NR_CPUS 4
#define DEFINE_PER_CPU(type, name) type name[NR_CPUS]
#define per_cpu_ptr(ptr, cpu) (&(*(ptr))[(cpu)])
#define per_cpu(var, cpu) ((var)[(cpu)])
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, raw_smp_processor_id())
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)
inline int raw_smp_processor_id() {
  return static_cast<int>(::svafuzz::sync::current_agent().id % NR_CPUS);
}
#define smp_processor_id() raw_smp_processor_id()
#define this_cpu_read(pcp) (::svafuzz::sync::this_cpu_read_at(this_cpu_ptr(&(pcp)), SVAFUZZ_HERE))
#define this_cpu_write(pcp, val) (::svafuzz::sync::this_cpu_write_at(this_cpu_ptr(&(pcp)), (val), SVAFUZZ_HERE))
#define this_cpu_add(pcp, val) (::svafuzz::sync::this_cpu_add_at(this_cpu_ptr(&(pcp)), (val), SVAFUZZ_HERE))
#define this_cpu_sub(pcp, val) this_cpu_add(pcp, -(val))
#define this_cpu_inc(pcp) this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp) this_cpu_add(pcp, -1)
#define this_cpu_xchg(pcp, val) (::svafuzz::sync::this_cpu_xchg_at(this_cpu_ptr(&(pcp)), (val), SVAFUZZ_HERE))

// Initialisers: `static atomic_t n = ATOMIC_INIT(0);` and inside designated initialisers.
#define ATOMIC_INIT(i) (::svafuzz::sync::atomic_t(i))
#define ATOMIC_LONG_INIT(i) (::svafuzz::sync::atomic_long_t(i))

#define cond_resched() (::svafuzz::sync::cond_resched_at(SVAFUZZ_HERE))
#define lockdep_assert_held(l) (::svafuzz::sync::lockdep_assert_held_at((l), SVAFUZZ_HERE))

// SVAFUZZ_STATE(obj): obj (a design global) is reset to its initial value before every
// execution. Place it after obj's definition, at namespace scope.
#define SVAFUZZ_STATE(obj)                                                           \
  static ::svafuzz::free::StateRegistration SVAFUZZ_CAT(svafuzz_state_, __LINE__)( \
      static_cast<void*>(&(obj)), sizeof(obj), #obj)

// SVAFUZZ_PAGETABLE_FREE_KERNEL(fn): in a plug-in (compiled through SVAFUZZ_PLUGINS), names
// the function that is this design's pagetable_free_kernel(struct ptdesc *). The design's name
// is the plug-in file's base name (SVAFUZZ_PLUGIN_NAME, set by the build).
#define SVAFUZZ_PAGETABLE_FREE_KERNEL(fn)                                               \
  void svafuzz_plugin_register() {                                                      \
    ::svafuzz::free::DesignInfo d;                                                      \
    d.name = SVAFUZZ_PLUGIN_NAME;                                                       \
    d.verdict = ::svafuzz::free::Verdict::kClean;                                       \
    d.summary = "plug-in " SVAFUZZ_PLUGIN_FILE;                                         \
    d.source = SVAFUZZ_PLUGIN_FILE;                                                     \
    d.pagetable_free_kernel = &(fn);                                                    \
    d.plugin = true;                                                                    \
    ::svafuzz::free::register_design(d);                                                \
  }
