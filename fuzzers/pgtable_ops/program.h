// The typed program the pgtable_ops fuzzer runs: a paging depth, the free-path mode, and a
// sequence of page-table operations with raw argument bytes that the runner maps onto valid
// operations deterministically (see runner.cc). Decoding never fails: every byte string is
// a program.
//
// Wire format (also what gen_seeds.py writes):
//   byte 0: bit 0 = 5-level paging, bit 1 = CONFIG_ASYNC_KERNEL_PGTABLE_FREE on
//   then 6 bytes per op: kind (mod kOpCount), arg[0..4]
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace svafuzz::fuzz::pgtable_ops {

enum class OpKind : uint8_t {
  kVmapSmall = 0,   // vmap_range_noflush of 1..16 pages, PAGE_SHIFT
  kVmapPmd,         // vmap_range_noflush of 1..2 x 2 MiB, PMD_SHIFT or PUD_SHIFT
  kVmapPud,         // ioremap_page_range of 1 GiB
  kVunmap,          // vunmap_range of a live vmap area
  kHotAdd,          // add_memory, 2 MiB or 4 KiB pages
  kHotRemove,       // remove_memory of a hot-added range
  kCpa,             // change_page_attr_set_clr on the direct map (split/collapse)
  kMmAlloc,         // Kernel::mm_alloc
  kMmapUser,        // mmap_user_page
  kMunmapUser,      // munmap_user_page
  kPtdump,          // ptdump_walk_pgd
  kCount
};

struct Op {
  OpKind kind;
  uint8_t arg[5];
};

struct Program {
  int levels = 4;
  bool async_free = true;
  std::vector<Op> ops;
};

// At most this many ops: bounds an execution's time and the frame pool it needs.
constexpr size_t kMaxOps = 64;

Program decode(const uint8_t* data, size_t size);
const char* op_name(OpKind k);
std::string describe(const Op& op);

}  // namespace svafuzz::fuzz::pgtable_ops
