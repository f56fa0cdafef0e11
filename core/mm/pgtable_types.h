// x86-64 paging formats: entry bits, levels, indices, and the kernel's virtual layout for
// 4-level and 5-level paging (BRIEF §5; Intel SDM Vol. 3A §4.5; arch/x86/include/asm/
// pgtable_types.h, page_64_types.h, pgtable_64_types.h).
#pragma once
#include <cstdint>

#include "core/mm/frame.h"

namespace svafuzz::mm {

using pteval_t = uint64_t;

// Entry bits (arch/x86/include/asm/pgtable_types.h).
constexpr pteval_t _PAGE_PRESENT = 1ULL << 0;
constexpr pteval_t _PAGE_RW = 1ULL << 1;
constexpr pteval_t _PAGE_USER = 1ULL << 2;
constexpr pteval_t _PAGE_PWT = 1ULL << 3;
constexpr pteval_t _PAGE_PCD = 1ULL << 4;
constexpr pteval_t _PAGE_ACCESSED = 1ULL << 5;
constexpr pteval_t _PAGE_DIRTY = 1ULL << 6;
constexpr pteval_t _PAGE_PSE = 1ULL << 7;     // PDPTE/PDE: 1 GiB / 2 MiB leaf
constexpr pteval_t _PAGE_GLOBAL = 1ULL << 8;
constexpr pteval_t _PAGE_NX = 1ULL << 63;
constexpr pteval_t PTE_PFN_MASK = 0x000ffffffffff000ULL;   // PA bits 51:12

constexpr pteval_t _KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
constexpr pteval_t _PAGE_TABLE = _KERNPG_TABLE | _PAGE_USER;
constexpr pteval_t __PAGE_KERNEL =
    _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX | _PAGE_GLOBAL;
constexpr pteval_t __PAGE_KERNEL_LARGE = __PAGE_KERNEL | _PAGE_PSE;
constexpr pteval_t PAGE_SHARED_USER =
    _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;

// Hardware levels: 1 = PT (PTE), 2 = PD (PMD), 3 = PDPT (PUD), 4 = PML4 (P4D under LA57, the
// PGD otherwise), 5 = PML5 (PGD under LA57).
enum PtLevel : int { kPte = 1, kPmd = 2, kPud = 3, kP4d = 4, kPml5 = 5 };

constexpr unsigned level_shift(int level) { return PAGE_SHIFT + 9 * (level - 1); }
constexpr uint64_t level_size(int level) { return 1ULL << level_shift(level); }
constexpr unsigned pt_index(uint64_t va, int level) {
  return static_cast<unsigned>((va >> level_shift(level)) & 511);
}
constexpr phys_addr_t entry_phys(pteval_t e) { return e & PTE_PFN_MASK; }
constexpr bool entry_present(pteval_t e) { return (e & _PAGE_PRESENT) != 0; }
// A present entry at level 2 or 3 with PS set maps a large page; level-1 entries are leaves.
constexpr bool entry_is_leaf(pteval_t e, int level) {
  return level == kPte || (level <= kPud && (e & _PAGE_PSE) != 0);
}

const char* level_name(int level, int paging_levels);   // "pte", "pmd", "pud", "p4d", "pgd"

// The kernel's virtual layout for one paging mode (Documentation/arch/x86/x86_64/mm.rst).
struct KernelLayout {
  int levels;                  // 4 or 5
  uint64_t page_offset;        // direct map base (__PAGE_OFFSET)
  uint64_t vmalloc_start;
  uint64_t vmalloc_end;        // inclusive
  uint64_t vmemmap_start;
  uint64_t kernel_start;       // __START_KERNEL_map
  uint64_t kernel_half_start;  // first address of the upper (kernel) canonical half
  uint64_t user_end;           // TASK_SIZE_MAX: last user address + 1 (less the guard page)
  // KERNEL_PGD_BOUNDARY = pgd_index(PAGE_OFFSET) (arch/x86/include/asm/pgtable.h): 273 for
  // both non-KASLR layouts. pgd_ctor clones the top-level slots from here on.
  unsigned kernel_pgd_boundary;

  // Sign-extends a linear address of this width (48 or 57 bits).
  uint64_t canonical(uint64_t va) const;
  bool is_canonical(uint64_t va) const { return canonical(va) == va; }
  bool is_kernel(uint64_t va) const { return va >= kernel_half_start; }
  uint64_t direct_map(phys_addr_t pa) const { return page_offset + pa; }   // __va()
};

const KernelLayout& layout_for(int levels);   // levels: 4 or 5

}  // namespace svafuzz::mm
