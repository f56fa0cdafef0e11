// Designs registered by the tests only (kernel-style, through the plug-in vocabulary):
//   test-count      counts calls, checks the PT_kernel mark is already clear, frees at once;
//   test-park       puts the page on a list and never schedules the work (stranded);
//   test-drop       forgets the page (leak).
#pragma once
#include "core/free/plugin.h"

namespace svafuzz::free::testing {

int test_count_calls();
int test_count_marked_on_entry();
void register_test_designs();

}  // namespace svafuzz::free::testing
