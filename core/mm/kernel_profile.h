// Kernel profiles: which kernel the model simulates, chosen at run time like the design.
//
// A profile is a named set of behaviours of the simulated kernel. Each behaviour is a switch
// read at exactly one place of the model (named beside it), with the kernel source it follows.
// Three profiles ship (all_kernel_profiles()):
//   v6.18        before the "Fix stale IOTLB entries for kernel address space" series: no
//                PT_kernel, no deferral, no iommu_sva_invalidate_kva_range. The design under
//                test is never called; the stale-walk problem the series fixed is reachable.
//   v6.19        the series as merged, with its known gaps (docs/model-mm.md §6). The default
//                of the regression suite and of ci/litmus.sh.
//   v6.19-fixed  v6.19 plus the fixes merged or posted since, and, where a gap has no posted
//                fix, the smallest fix this project proposes (status "proposed"). The default
//                of the fuzz targets and of the main job, which hunt every op under it.
//
// Contract: a Kernel's profile is fixed at construction (KernelOptions::profile) and read by
// the model through kernel().profile(); profiles are static and never freed.
#pragma once
#include <string>
#include <vector>

namespace svafuzz::mm {

struct KernelProfile {
  const char* name;
  const char* summary;
  // The v6.19 series: the generic init_mm allocators mark tables PT_kernel (977870522af3) and
  // pagetable_free sends marked ones to pagetable_free_kernel, the design (5ba2f0a15564), whose
  // worker calls iommu_sva_invalidate_kva_range (e37d5a2d60a3). Off: no marks, every table is
  // freed at once by __pagetable_free. Read in core/mm/pgalloc.cc.
  bool kernel_pgtable_series = true;
  // vmap_try_huge_pmd/pud hold mmap_read_lock(&init_mm) (trylock; no promotion when it fails)
  // over the table free and the huge set, so ptdump (mmap_write_lock) cannot be inside the
  // freed table. Read in core/mm/huge_vmap.cc.
  bool vmap_huge_takes_init_mm_lock = false;
  // ptdump_walk_pgd of an mm other than init_mm also takes mmap_write_lock(&init_mm)
  // (nested), since that mm's kernel half is init_mm's tables. Read in core/mm/ptdump.cc.
  bool ptdump_takes_init_mm_lock = false;
  // cpa_collapse_large_pages runs under mmap_write_lock(&init_mm) (a1c7570cedd0). Read in
  // core/mm/cpa.cc.
  bool cpa_collapse_takes_init_mm_lock = false;
  // change_page_attr_set_clr holds mmap_read_lock(&init_mm) over __change_page_attr_set_clr,
  // dropped around the split's allocation (d5d8b8662e6e). Read in core/mm/cpa.cc.
  bool cpa_takes_init_mm_read_lock = false;
  // split_large_page allocates its PTE table with pte_alloc_one_kernel(&init_mm), so it is
  // marked and the collapse's pagetable_free defers it behind an IOMMU invalidation (the
  // set_memory.c ptdesc conversion). Read in core/mm/cpa.cc.
  bool cpa_split_table_marked = false;
  // Proposed: hot-remove clears the entry before freeing the emptied table, flushes the CPU
  // TLB, and frees it through pagetable_free_kernel (deferred behind an IOMMU invalidation).
  // Read in core/mm/memory_hotplug.cc.
  bool hot_remove_clear_flush_defer = false;
  // Proposed: intel_mm_release flushes a PASID whose entry a concurrent unbind already
  // cleared (and waits), instead of returning before that unbind's flush. Read in
  // core/iommu/sva.cc.
  bool mm_release_flushes_cleared_entry = false;
};

// One behaviour of a profile, for `svafuzz kernels` and the docs.
struct KernelBehaviourInfo {
  bool KernelProfile::*flag;
  const char* name;      // short name, e.g. "cpa-collapse-init-mm-lock"
  const char* what;      // one line
  const char* source;    // the commit, series or document it follows
  const char* status;    // "merged", "posted" or "proposed" (for behaviours after v6.19)
};
const std::vector<KernelBehaviourInfo>& all_kernel_behaviours();

const std::vector<const KernelProfile*>& all_kernel_profiles();
// nullptr for an unknown name.
const KernelProfile* find_kernel_profile(const std::string& name);
// "v6.18, v6.19, v6.19-fixed" for error messages.
std::string kernel_profile_names();

const KernelProfile& kernel_v6_18();
const KernelProfile& kernel_v6_19();
const KernelProfile& kernel_v6_19_fixed();

}  // namespace svafuzz::mm
