// The kernel entry point a scenario op stands for (what a finding signature's "via" names):
// the function through which the op's kernel work is entered, e.g. vmap_huge ->
// vmap_try_huge_pmd (or vmap_try_huge_pud with arg bit 0), hot_remove -> remove_memory.
// Fixed per OpKind, so a signature says the same on every design and seed. Ops of devices
// and attackers enter no kernel function: "".
#pragma once
#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

const char* op_kernel_entry(const Op& op);

}  // namespace svafuzz::scenario
