// Lock-less NULL-terminated singly linked lists, as in <linux/llist.h>: llist_head, llist_node,
// llist_add, llist_del_all, llist_empty, llist_for_each_entry_safe.
//
// Contract (the kernel's): any number of producers may llist_add concurrently with one
// consumer calling llist_del_all, with no lock. llist_add is a try_cmpxchg loop on head->first
// (fully ordered, so everything written before the add is visible to whoever takes the node);
// llist_del_all is an xchg(&head->first, NULL) (fully ordered). Each is a kAtomic scheduling
// point per attempt, so the controlled scheduler can interleave producers and the consumer.
// The nodes' next pointers are plain: they are written by the producer before publication
// and read by the consumer after it took them, as in the kernel.
#pragma once
#include <type_traits>

#include "core/klib/list.h"
#include "core/sync/runtime.h"

namespace svafuzz::klib {

struct llist_node {
  llist_node* next;
};

struct llist_head {
  llist_node* first;
};

#define LLIST_HEAD_INIT(name) {nullptr}
#define LLIST_HEAD(name) ::svafuzz::klib::llist_head name = LLIST_HEAD_INIT(name)

inline void init_llist_head(llist_head* list) { list->first = nullptr; }

// True if the list has no node (a racy snapshot, as in the kernel: READ_ONCE of first).
bool llist_empty(const llist_head* head, sync::SourceLoc loc = SVAFUZZ_HERE);

// Adds `node` at the head. Returns true if the list was empty before (the kernel's contract:
// the caller that makes the list non-empty is the one that must kick the consumer).
bool llist_add(llist_node* node, llist_head* head, sync::SourceLoc loc = SVAFUZZ_HERE);

// Takes every node; returns the first (newest first) or nullptr.
llist_node* llist_del_all(llist_head* head, sync::SourceLoc loc = SVAFUZZ_HERE);

#define llist_entry(ptr, type, member) container_of(ptr, type, member)

// llist_for_each_entry_safe(pos, n, node, member): pos and n declared beforehand as pointers
// of the entry type (no typeof in C++); safe against freeing pos in the body.
#define llist_for_each_entry_safe(pos, n, node, member)                                         \
  for (pos = ((node) ? llist_entry((node), std::remove_pointer_t<decltype(pos)>, member)       \
                     : nullptr);                                                              \
       pos && (n = (pos->member.next                                                          \
                        ? llist_entry(pos->member.next, std::remove_pointer_t<decltype(pos)>, \
                                      member)                                                 \
                        : nullptr),                                                           \
               true);                                                                         \
       pos = n)

}  // namespace svafuzz::klib
