// Planted model defects: test-only switches that break one path of the simulated kernel or
// hardware on purpose, so a test can prove that the fuzzers still reach that path and detect
// the breakage (the tester is tested, as libFuzzer tests its engine with planted bugs).
//
// Contract:
//   - every switch is off by default, and no fuzz target or corpus input can turn one on: only
//     a harness does, by name (scenario_check --defect NAME, SVAFUZZ_DEFECT=NAME for the fuzz
//     targets), before the first execution of the process;
//   - the switches are process-global, like the kernel's globals the model keeps; set them
//     before any agent runs and leave them for the life of the process;
//   - each switch names the path it breaks and the corpus seed whose shape reaches it
//     (all_model_defects()), and has a ctest that finds it from the corpus.
// The per-unit hardware defects of the sequential oracle tests stay in iommu::HwDefects.
#pragma once
#include <string>
#include <vector>

namespace svafuzz::mm {

struct ModelDefects {
  // VT-d §6.5.4: a wait descriptor completes without draining DMA still in flight (translated
  // before the invalidation, memory access not yet done). core/iommu/device.cc.
  bool no_dma_drain = false;
  // The last unbind frees the domain without taking it off iommu_mm->sva_domains (its
  // list_del left out), so the mm stays on iommu_sva_mms with a freed domain that the next
  // kernel-range invalidation walks. core/iommu/sva.cc.
  bool unbind_keeps_listed = false;
  // An SVA domain takes no mm_count reference (mmu_notifier_register's mmgrab left out), so a
  // process exit's mmdrop frees the mm and its iommu_mm while the mm is still on
  // iommu_sva_mms. core/iommu/iommu.cc, sva.cc.
  bool domain_no_mmgrab = false;
  // cache_tag_flush_range flushes only the first IOMMU unit a domain is attached through.
  // core/iommu/intel_cache_tag.cc.
  bool flush_first_unit_only = false;
  // pmd_free_pte_page frees the PTE table before it clears the PMD entry that points at it.
  // core/mm/huge_vmap.cc.
  bool free_before_clear = false;
  // The defects below each break one v6.19-fixed behaviour (kernel_profile.h) the way a
  // botched version of its patch would; each is found under --kernel v6.19-fixed.
  // vmap_try_huge_pmd/pud ignore a failed init_mm trylock and promote anyway, unlocked (the
  // trylock's result unchecked). core/mm/huge_vmap.cc.
  bool vmap_trylock_ignored = false;
  // The CPA collapse frees its (marked) split tables with __pagetable_free, bypassing
  // pagetable_free's PT_kernel dispatch to the deferred path. core/mm/cpa.cc.
  bool collapse_frees_at_once = false;
  // The fixed hot-remove clears the entry and flushes the CPU TLB, then frees the table at
  // once (__pagetable_free) instead of through pagetable_free_kernel. core/mm/memory_hotplug.cc.
  bool hot_remove_frees_at_once = false;
  // mm_release's flush of an already-cleared PASID entry is queued but not waited for (no
  // wait descriptor), so exit_mmap frees the user tables before the unit has dropped what it
  // cached. core/iommu/sva.cc.
  bool mm_release_flush_not_waited = false;
};

// The process's switches (all off unless a harness set one).
ModelDefects& model_defects();

struct ModelDefectInfo {
  const char* name;          // the harness's spelling: no-dma-drain, unbind-keeps-listed, ...
  bool ModelDefects::*flag;
  const char* what;          // one line: what breaks, and which seed's shape reaches it
};
const std::vector<ModelDefectInfo>& all_model_defects();

// Turns on the defect called `name`; false (nothing changed) for an unknown name.
bool set_model_defect(const std::string& name);
// "no-dma-drain, unbind-keeps-listed, ..." for error messages.
std::string model_defect_names();

}  // namespace svafuzz::mm
