// Byte decoding of pgtable_ops programs (no FuzzedDataProvider: the GCC build must decode the
// same bytes the same way).
#include "fuzzers/pgtable_ops/program.h"

#include <cstdio>

namespace svafuzz::fuzz::pgtable_ops {

Program decode(const uint8_t* data, size_t size) {
  Program p;
  if (size == 0) return p;
  p.levels = (data[0] & 1) ? 5 : 4;
  p.async_free = (data[0] & 2) != 0;
  for (size_t off = 1; off + 6 <= size && p.ops.size() < kMaxOps; off += 6) {
    Op op;
    op.kind = static_cast<OpKind>(data[off] % static_cast<uint8_t>(OpKind::kCount));
    for (int i = 0; i < 5; ++i) op.arg[i] = data[off + 1 + i];
    p.ops.push_back(op);
  }
  return p;
}

const char* op_name(OpKind k) {
  static const char* const kNames[] = {"vmap_small", "vmap_pmd",  "vmap_pud",  "vunmap",
                                       "hot_add",    "hot_remove", "cpa",      "mm_alloc",
                                       "mmap_user",  "munmap_user", "ptdump"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(OpKind::kCount));
  return kNames[static_cast<size_t>(k)];
}

std::string describe(const Op& op) {
  char b[64];
  std::snprintf(b, sizeof b, "%s(%u,%u,%u,%u,%u)", op_name(op.kind), op.arg[0], op.arg[1],
                op.arg[2], op.arg[3], op.arg[4]);
  return b;
}

}  // namespace svafuzz::fuzz::pgtable_ops
