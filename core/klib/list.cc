// CONFIG_DEBUG_LIST checks (lib/list_debug.c semantics): each reports a list-debug finding and
// makes the caller skip the corrupting operation, as the kernel does with its BUG-less variant.
#include "core/klib/list.h"

#include <cstdio>
#include <string>

namespace svafuzz::klib {
namespace {

std::string ptr(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

}  // namespace

bool list_add_valid(list_head* n, list_head* prev, list_head* next, sync::SourceLoc loc) {
  std::string why;
  if (next->prev != prev) {
    why = "list_add corruption. next->prev should be prev (" + ptr(prev) + "), but was " +
          ptr(next->prev) + ". (next=" + ptr(next) + ")";
  } else if (prev->next != next) {
    why = "list_add corruption. prev->next should be next (" + ptr(next) + "), but was " +
          ptr(prev->next) + ". (prev=" + ptr(prev) + ")";
  } else if (n == prev || n == next) {
    why = "list_add double add: new=" + ptr(n) + ", prev=" + ptr(prev) + ", next=" + ptr(next);
  }
  if (why.empty()) return true;
  report_finding(Detector::kListDebug, why, loc);
  return false;
}

bool list_del_entry_valid(list_head* entry, sync::SourceLoc loc) {
  list_head* prev = entry->prev;
  list_head* next = entry->next;
  std::string why;
  if (next == kListPoison1) {
    why = "list_del corruption, " + ptr(entry) + "->next is LIST_POISON1";
  } else if (prev == kListPoison2) {
    why = "list_del corruption, " + ptr(entry) + "->prev is LIST_POISON2";
  } else if (prev->next != entry) {
    why = "list_del corruption. prev->next should be " + ptr(entry) + ", but was " +
          ptr(prev->next);
  } else if (next->prev != entry) {
    why = "list_del corruption. next->prev should be " + ptr(entry) + ", but was " +
          ptr(next->prev);
  }
  if (why.empty()) return true;
  report_finding(Detector::kListDebug, why, loc);
  return false;
}

}  // namespace svafuzz::klib
