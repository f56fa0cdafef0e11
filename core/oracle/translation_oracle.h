// The flat reference model of translations (BRIEF "differential oracles"): for each address
// space, a map from page base VA to {PA, page size, leaf flags}, updated by the same
// operations as the radix tables (core/mm) but with no tables at all. The kernel half is one
// map shared by every mm (pgd_ctor shares the tables); each user mm has its own user half.
//
// The update rules restate, in flat form, what each kernel operation is specified to do:
// which page size vmap_range_noflush picks (vmap_try_huge_pud/pmd conditions), what hot-add
// maps, what CPA splits, changes and collapses. compare() walks the real tables and reports a
// Detector::kOracle finding for each disagreement. Not thread-safe: one harness thread owns it.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mm/kernel.h"

namespace svafuzz::oracle {

using mm::mm_struct;
using mm::phys_addr_t;
using mm::pteval_t;

struct RefLeaf {
  phys_addr_t pa = 0;     // base PA of the page
  uint64_t size = 0;      // 4 KiB, 2 MiB or 1 GiB
  pteval_t flags = 0;     // leaf flags without _PAGE_PSE
};

class TranslationOracle {
 public:
  // Starts from the state Kernel::boot() leaves: the direct map of `k.options().boot_ram_bytes`
  // in 2 MiB pages, no vmalloc mappings, no user mappings.
  explicit TranslationOracle(mm::Kernel& k);

  // The same operations as core/mm, applied to the flat model. Preconditions as there; call
  // only after the kernel operation succeeded.
  void vmap(uint64_t addr, uint64_t end, phys_addr_t phys, pteval_t prot, unsigned max_page_shift);
  void vunmap(uint64_t addr, uint64_t end);
  void add_memory(phys_addr_t start, uint64_t size, bool use_4k);
  void remove_memory(phys_addr_t start, uint64_t size);
  void change_page_attr(uint64_t addr, int numpages, pteval_t set, pteval_t clr, bool force_split,
                        bool collapse);
  void mmap_user(const mm_struct* mm, uint64_t addr, phys_addr_t pa, bool writable);
  void munmap_user(const mm_struct* mm, uint64_t addr);

  // The expected leaf covering `va` in `mm` (kernel half shared; init_mm has no user half).
  std::optional<RefLeaf> lookup(const mm_struct* mm, uint64_t va, uint64_t* base = nullptr) const;

  // Walks every mm at every VA and reports a kOracle finding per mismatch (present/absent, PA,
  // page size, writable/user/nx). Returns the number of mismatches.
  size_t compare(const std::vector<mm_struct*>& mms, const std::vector<uint64_t>& vas) const;

  // Up to `max` VAs spread over the expected leaves of every space (first and last byte of
  // sampled pages), for compare().
  std::vector<uint64_t> sample_vas(size_t max) const;

  // Leaves expected in `mm` (kernel half plus its user half).
  size_t leaf_count(const mm_struct* mm) const;

 private:
  using Space = std::map<uint64_t, RefLeaf>;
  static void map_leaf(Space& s, uint64_t va, phys_addr_t pa, uint64_t size, pteval_t flags);
  static void unmap_range(Space& s, uint64_t start, uint64_t end);
  static std::optional<RefLeaf> find(const Space& s, uint64_t va, uint64_t* base);
  void split_2m(uint64_t base);
  void collapse_2m(uint64_t base);
  bool compare_one(mm_struct* mm, uint64_t va) const;

  mm::Kernel& k_;
  Space kernel_;
  // Ordered by the mm's name, not its host address: sample_vas() walks the spaces in map
  // order, and which VAs it samples must not depend on heap layout (reproducers replay the
  // same checks in every build). Pointer order only breaks a tie of equal names.
  struct ByName {
    bool operator()(const mm_struct* a, const mm_struct* b) const {
      return a->name != b->name ? a->name < b->name : a < b;
    }
  };
  std::map<const mm_struct*, Space, ByName> user_;
};

}  // namespace svafuzz::oracle
