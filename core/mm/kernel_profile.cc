// The shipped kernel profiles (kernel_profile.h) and their behaviours' sources.
#include "core/mm/kernel_profile.h"

namespace svafuzz::mm {

const KernelProfile& kernel_v6_18() {
  static const KernelProfile p{
      .name = "v6.18",
      .summary = "before the series: kernel tables freed at once, no IOMMU invalidation; the "
                 "design is never called",
      .kernel_pgtable_series = false,
  };
  return p;
}

const KernelProfile& kernel_v6_19() {
  static const KernelProfile p{
      .name = "v6.19",
      .summary = "the series as merged (e37d5a2d60a3 and its parents), with its known gaps",
  };
  return p;
}

const KernelProfile& kernel_v6_19_fixed() {
  static const KernelProfile p{
      .name = "v6.19-fixed",
      .summary = "v6.19 plus the later fixes of its gaps (merged, posted, or proposed here)",
      .vmap_huge_takes_init_mm_lock = true,
      .ptdump_takes_init_mm_lock = true,
      .cpa_collapse_takes_init_mm_lock = true,
      .cpa_takes_init_mm_read_lock = true,
      .cpa_split_table_marked = true,
      .hot_remove_clear_flush_defer = true,
      .mm_release_flushes_cleared_entry = true,
  };
  return p;
}

const std::vector<KernelBehaviourInfo>& all_kernel_behaviours() {
  static const std::vector<KernelBehaviourInfo> v = {
      {&KernelProfile::kernel_pgtable_series, "kernel-pgtable-series",
       "PT_kernel marks, pagetable_free -> pagetable_free_kernel (the design), "
       "iommu_sva_invalidate_kva_range",
       "27bfafac65d8..e37d5a2d60a3 (v6.19 merge)", "merged"},
      {&KernelProfile::vmap_huge_takes_init_mm_lock, "vmap-huge-init-mm-lock",
       "vmap_try_huge_pmd/pud free the old table under mmap_read_lock_try(&init_mm): no ptdump "
       "inside it",
       "L. Stoakes, \"vmap race fix\" v3 (mm-hotfixes, 2026-07-14; "
       "mm-vmalloc-acquire-init_mm-read-lock-on-huge-vmap-promotion)", "posted"},
      {&KernelProfile::ptdump_takes_init_mm_lock, "ptdump-init-mm-lock",
       "ptdump_walk_pgd of a user mm also takes mmap_write_lock(&init_mm): its kernel half is "
       "init_mm's tables",
       "\"mm/ptdump: always stabilise against page table freeing using init_mm\" (2026 "
       "follow-up to the vmap race fix)", "posted"},
      {&KernelProfile::cpa_collapse_takes_init_mm_lock, "cpa-collapse-init-mm-lock",
       "cpa_collapse_large_pages under mmap_write_lock(&init_mm)",
       "a1c7570cedd0 \"x86/mm/pat: Acquire init_mm write lock on collapse to avoid UAF\"",
       "merged"},
      {&KernelProfile::cpa_takes_init_mm_read_lock, "cpa-init-mm-read-lock",
       "change_page_attr_set_clr under mmap_read_lock(&init_mm), dropped around the split's "
       "allocation",
       "d5d8b8662e6e \"x86/mm/pat: Acquire init_mm read lock on attribute changes to avoid "
       "UAF\" (CVE-2026-97533)", "merged"},
      {&KernelProfile::cpa_split_table_marked, "cpa-split-table-marked",
       "split_large_page allocates with pte_alloc_one_kernel(&init_mm): the collapse's free is "
       "deferred behind an IOMMU invalidation",
       "9e4a3ec3411b \"x86/mm/pat: Allocate split page tables as kernel page tables\" (with "
       "a1c7570cedd0 and d5d8b8662e6e)", "merged"},
      {&KernelProfile::hot_remove_clear_flush_defer, "hot-remove-clear-flush-defer",
       "free_pte/pmd/pud_table clear the entry, flush_tlb_all, then pagetable_free_kernel",
       "proposed here: docs/findings/hot-remove-frees-unmarked-tables.md", "proposed"},
      {&KernelProfile::mm_release_flushes_cleared_entry, "mm-release-flushes-cleared-entry",
       "intel_mm_release flushes and waits for a PASID a concurrent unbind already cleared",
       "proposed here: docs/findings/exit-release-vs-unbind-teardown.md", "proposed"},
  };
  return v;
}

const std::vector<const KernelProfile*>& all_kernel_profiles() {
  static const std::vector<const KernelProfile*> v = {&kernel_v6_18(), &kernel_v6_19(),
                                                      &kernel_v6_19_fixed()};
  return v;
}

const KernelProfile* find_kernel_profile(const std::string& name) {
  for (const KernelProfile* p : all_kernel_profiles()) {
    if (name == p->name) return p;
  }
  return nullptr;
}

std::string kernel_profile_names() {
  std::string s;
  for (const KernelProfile* p : all_kernel_profiles()) s += (s.empty() ? "" : ", ") + std::string(p->name);
  return s;
}

}  // namespace svafuzz::mm
