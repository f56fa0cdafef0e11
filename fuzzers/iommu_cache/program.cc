// Byte decoding of iommu_cache programs (no FuzzedDataProvider: the GCC build must decode the
// same bytes the same way).
#include "fuzzers/iommu_cache/program.h"

#include <cstdio>

namespace svafuzz::fuzz::iommu_cache {

Program decode(const uint8_t* data, size_t size) {
  Program p;
  if (size == 0) return p;
  p.levels = (data[0] & 1) ? 5 : 4;
  p.ats_on_unit1 = (data[0] & 2) != 0;
  p.steer_fills = (data[0] & 4) != 0;
  for (size_t off = kHeaderBytes; off + kOpBytes <= size && p.ops.size() < kMaxOps;
       off += kOpBytes) {
    Op op;
    op.kind = static_cast<OpKind>(data[off] % static_cast<uint8_t>(OpKind::kCount));
    for (int i = 0; i < 4; ++i) op.arg[i] = data[off + 1 + i];
    op.policy = data[off + 5];
    p.ops.push_back(op);
  }
  return p;
}

const char* op_name(OpKind k) {
  static const char* const kNames[] = {
      "bind",      "unbind",    "mmap_user",   "munmap_user",   "vmap_small",
      "vmap_huge", "vmap_pud",  "vunmap",      "worker",        "dma_read",
      "dma_write", "speculate", "piotlb_psi",  "piotlb_pasid",  "devtlb_pasid",
      "queue_wait", "process",  "kva_range",   "evict"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(OpKind::kCount));
  return kNames[static_cast<size_t>(k)];
}

std::string describe(const Op& op) {
  char b[80];
  std::snprintf(b, sizeof b, "%s(%u,%u,%u,%u) policy=%#x", op_name(op.kind), op.arg[0],
                op.arg[1], op.arg[2], op.arg[3], op.policy);
  return b;
}

}  // namespace svafuzz::fuzz::iommu_cache
