// The two kernel layouts and level names.
#include "core/mm/pgtable_types.h"

namespace svafuzz::mm {

const char* level_name(int level, int paging_levels) {
  switch (level) {
    case kPte: return "pte";
    case kPmd: return "pmd";
    case kPud: return "pud";
    case kP4d: return paging_levels == 5 ? "p4d" : "pgd";
    case kPml5: return "pgd";
  }
  return "?";
}

uint64_t KernelLayout::canonical(uint64_t va) const {
  unsigned bits = levels == 5 ? 57 : 48;
  unsigned shift = 64 - bits;
  return static_cast<uint64_t>(static_cast<int64_t>(va << shift) >> shift);
}

const KernelLayout& layout_for(int levels) {
  // 4-level: Documentation/arch/x86/x86_64/mm.rst, "Complete virtual memory map with 4-level
  // page tables"; 5-level: the LA57 table. Without KASLR.
  static const KernelLayout k4{4,
                               0xffff888000000000ULL,
                               0xffffc90000000000ULL,
                               0xffffe8ffffffffffULL,
                               0xffffea0000000000ULL,
                               0xffffffff80000000ULL,
                               0xffff800000000000ULL,
                               0x00007ffffffff000ULL,
                               pt_index(0xffff888000000000ULL, 4)};
  static const KernelLayout k5{5,
                               0xff11000000000000ULL,
                               0xffa0000000000000ULL,
                               0xffd1ffffffffffffULL,
                               0xffd4000000000000ULL,
                               0xffffffff80000000ULL,
                               0xff00000000000000ULL,
                               0x00fffffffffff000ULL,
                               pt_index(0xff11000000000000ULL, 5)};
  return levels == 5 ? k5 : k4;
}

}  // namespace svafuzz::mm
