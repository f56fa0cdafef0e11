// The tests' own designs (see test_designs.h).
#include "tests/free/test_designs.h"

namespace svafuzz_test_designs {

static struct {
  int calls;
  int marked_on_entry;
} counters = {0, 0};
SVAFUZZ_STATE(counters);

static void count_free_kernel(struct ptdesc *pt) {
  counters.calls++;
  if (svafuzz::mm::ptdesc_test_kernel(pt)) counters.marked_on_entry++;
  __pagetable_free(pt);
}

static LIST_HEAD(parked);
SVAFUZZ_STATE(parked);

static void park_free_kernel(struct ptdesc *pt) { list_add(&pt->pt_list, &parked); }

static void drop_free_kernel(struct ptdesc *pt) {}

}  // namespace svafuzz_test_designs

namespace svafuzz::free::testing {

int test_count_calls() { return svafuzz_test_designs::counters.calls; }
int test_count_marked_on_entry() { return svafuzz_test_designs::counters.marked_on_entry; }

void register_test_designs() {
  register_design({.name = "test-count", .verdict = Verdict::kClean, .detectors = "",
                   .summary = "test: count and free at once", .source = "tests/free",
                   .pagetable_free_kernel = svafuzz_test_designs::count_free_kernel});
  register_design({.name = "test-park", .verdict = Verdict::kFlagged, .detectors = "stranded",
                   .summary = "test: park on a list forever", .source = "tests/free",
                   .pagetable_free_kernel = svafuzz_test_designs::park_free_kernel});
  register_design({.name = "test-drop", .verdict = Verdict::kFlagged, .detectors = "leak",
                   .summary = "test: forget the page", .source = "tests/free",
                   .pagetable_free_kernel = svafuzz_test_designs::drop_free_kernel});
}

}  // namespace svafuzz::free::testing
