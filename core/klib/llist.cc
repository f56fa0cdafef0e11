// llist_add / llist_del_all (see llist.h): lib/llist.c's try_cmpxchg loop and xchg, each
// attempt a scheduling point, on a plain pointer through __atomic builtins (seq_cst: the
// kernel's value-returning atomics are fully ordered).
#include "core/klib/llist.h"

namespace svafuzz::klib {

bool llist_empty(const llist_head* head, sync::SourceLoc loc) {
  sync::point(sync::Event{sync::EventKind::kRead, head, loc});
  return __atomic_load_n(&head->first, __ATOMIC_RELAXED) == nullptr;
}

bool llist_add(llist_node* node, llist_head* head, sync::SourceLoc loc) {
  sync::point(sync::Event{sync::EventKind::kRead, head, loc});
  llist_node* first = __atomic_load_n(&head->first, __ATOMIC_RELAXED);
  for (;;) {
    node->next = first;
    sync::point(sync::Event{sync::EventKind::kAtomic, head, loc});
    if (__atomic_compare_exchange_n(&head->first, &first, node, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
      return first == nullptr;
    }
  }
}

llist_node* llist_del_all(llist_head* head, sync::SourceLoc loc) {
  sync::point(sync::Event{sync::EventKind::kAtomic, head, loc});
  return __atomic_exchange_n(&head->first, static_cast<llist_node*>(nullptr), __ATOMIC_SEQ_CST);
}

}  // namespace svafuzz::klib
