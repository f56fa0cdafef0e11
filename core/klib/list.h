// struct list_head and its operations, as in <linux/list.h>, with CONFIG_DEBUG_LIST checks.
//
// The pointer fields are plain (not atomic): a list touched by two agents without the lock that
// protects it is a data race ThreadSanitizer reports, exactly as in the kernel. Each pointer store
// is preceded by a kListOp scheduling point, so the controlled scheduler can interleave two
// unlocked list operations and corrupt the list, which the debug checks then report
// (list-debug finding) the way __list_add_valid / __list_del_entry_valid do.
#pragma once
#include <cstddef>
#include <type_traits>

#include "core/sync/finding.h"
#include "core/sync/runtime.h"

namespace svafuzz::klib {

struct list_head {
  list_head* next;
  list_head* prev;
};

#define LIST_HEAD_INIT(name) {&(name), &(name)}
#define LIST_HEAD(name) ::svafuzz::klib::list_head name = LIST_HEAD_INIT(name)

#define container_of(ptr, type, member) \
  (reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - offsetof(type, member)))

// Values written into a deleted entry, as LIST_POISON1/2 (non-canonical addresses).
inline list_head* const kListPoison1 = reinterpret_cast<list_head*>(0xdead000000000100UL);
inline list_head* const kListPoison2 = reinterpret_cast<list_head*>(0xdead000000000122UL);

inline void list_point(const void* obj, sync::SourceLoc loc) {
  sync::point(sync::Event{sync::EventKind::kListOp, obj, loc});
}

inline void INIT_LIST_HEAD(list_head* list) {
  list->next = list;
  list->prev = list;
}

inline bool list_empty(const list_head* head, sync::SourceLoc loc = SVAFUZZ_HERE) {
  list_point(head, loc);
  return head->next == head;
}

// True while `entry` is on a list: neither initialised empty (list_del_init, INIT_LIST_HEAD)
// nor poisoned (list_del). For checks that an object is off every list before it is freed; no
// scheduling point (the caller owns the object).
inline bool list_entry_linked(const list_head* entry) {
  return entry->next != entry && entry->next != kListPoison1;
}

// CONFIG_DEBUG_LIST: reports and refuses a corrupting add.
bool list_add_valid(list_head* n, list_head* prev, list_head* next, sync::SourceLoc loc);
bool list_del_entry_valid(list_head* entry, sync::SourceLoc loc);

inline void __list_add(list_head* n, list_head* prev, list_head* next, sync::SourceLoc loc) {
  if (!list_add_valid(n, prev, next, loc)) return;
  list_point(next, loc);
  next->prev = n;
  n->next = next;
  n->prev = prev;
  list_point(prev, loc);
  prev->next = n;
}

inline void list_add(list_head* n, list_head* head, sync::SourceLoc loc = SVAFUZZ_HERE) {
  list_point(head, loc);
  __list_add(n, head, head->next, loc);
}

inline void list_add_tail(list_head* n, list_head* head, sync::SourceLoc loc = SVAFUZZ_HERE) {
  list_point(head, loc);
  __list_add(n, head->prev, head, loc);
}

inline void __list_del_entry(list_head* entry, sync::SourceLoc loc) {
  if (!list_del_entry_valid(entry, loc)) return;
  list_head* prev = entry->prev;
  list_head* next = entry->next;
  list_point(next, loc);
  next->prev = prev;
  list_point(prev, loc);
  prev->next = next;
}

inline void list_del(list_head* entry, sync::SourceLoc loc = SVAFUZZ_HERE) {
  __list_del_entry(entry, loc);
  entry->next = kListPoison1;
  entry->prev = kListPoison2;
}

inline void list_del_init(list_head* entry, sync::SourceLoc loc = SVAFUZZ_HERE) {
  __list_del_entry(entry, loc);
  INIT_LIST_HEAD(entry);
}

inline void __list_splice(list_head* list, list_head* prev, list_head* next, sync::SourceLoc loc) {
  list_head* first = list->next;
  list_head* last = list->prev;
  list_point(list, loc);
  first->prev = prev;
  prev->next = first;
  last->next = next;
  next->prev = last;
}

// Moves all of `list` to the front of `head` and reinitialises `list`.
inline void list_splice_init(list_head* list, list_head* head, sync::SourceLoc loc = SVAFUZZ_HERE) {
  if (!list_empty(list, loc)) {
    __list_splice(list, head, head->next, loc);
    INIT_LIST_HEAD(list);
  }
}

// Moves all of `list` to the tail of `head` and reinitialises `list`.
inline void list_splice_tail_init(list_head* list, list_head* head,
                                  sync::SourceLoc loc = SVAFUZZ_HERE) {
  if (!list_empty(list, loc)) {
    __list_splice(list, head->prev, head, loc);
    INIT_LIST_HEAD(list);
  }
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)

// list_for_each_entry_safe(pos, n, head, member) with the C++ type spelled out, since there is
// no typeof: list_for_each_entry_safe(pos, n, &list, pt_list) needs pos and n declared as
// pointers of the entry type beforehand, as in kernel code.
#define list_for_each_entry_safe(pos, n, head, member)                                      \
  for (pos = list_entry((head)->next, std::remove_pointer_t<decltype(pos)>, member),        \
      n = list_entry(pos->member.next, std::remove_pointer_t<decltype(pos)>, member);       \
       &pos->member != (head);                                                              \
       pos = n, n = list_entry(n->member.next, std::remove_pointer_t<decltype(pos)>, member))

#define list_for_each_entry(pos, head, member)                                              \
  for (pos = list_entry((head)->next, std::remove_pointer_t<decltype(pos)>, member);        \
       &pos->member != (head);                                                              \
       pos = list_entry(pos->member.next, std::remove_pointer_t<decltype(pos)>, member))

}  // namespace svafuzz::klib
