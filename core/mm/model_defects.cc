// Planted model defects (model_defects.h): the switch table and lookup by name.
#include "core/mm/model_defects.h"

namespace svafuzz::mm {

ModelDefects& model_defects() {
  static ModelDefects d;
  return d;
}

const std::vector<ModelDefectInfo>& all_model_defects() {
  static const std::vector<ModelDefectInfo> v = {
      {"no-dma-drain", &ModelDefects::no_dma_drain,
       "an invalidation wait completes while DMA translated before it is still in flight "
       "(dma_during_munmap)"},
      {"unbind-keeps-listed", &ModelDefects::unbind_keeps_listed,
       "the last unbind frees the domain while it is still on iommu_mm->sva_domains "
       "(sva_bind_unbind_during_free, sva_rebind_after_munmap)"},
      {"domain-no-mmgrab", &ModelDefects::domain_no_mmgrab,
       "an SVA domain holds no mm reference: process exit frees iommu_mm while it is still on "
       "iommu_sva_mms (process_exit_during_free)"},
      {"flush-first-unit-only", &ModelDefects::flush_first_unit_only,
       "a range flush reaches only the first IOMMU unit of the domain (two_units_free)"},
      {"free-before-clear", &ModelDefects::free_before_clear,
       "pmd_free_pte_page frees the PTE table before pmd_clear (huge_promotion_under_dma)"},
      {"vmap-trylock-ignored", &ModelDefects::vmap_trylock_ignored,
       "v6.19-fixed: a huge vmap promotion goes on, unlocked, when init_mm's trylock fails "
       "(ptdump_during_huge_promotion)"},
      {"collapse-frees-at-once", &ModelDefects::collapse_frees_at_once,
       "v6.19-fixed: the CPA collapse frees its split tables with no deferral "
       "(cpa_split_collapse_under_dma)"},
      {"hot-remove-frees-at-once", &ModelDefects::hot_remove_frees_at_once,
       "v6.19-fixed: hot-remove frees the cleared table with no deferral (hot_remove_under_dma)"},
      {"mm-release-flush-not-waited", &ModelDefects::mm_release_flush_not_waited,
       "v6.19-fixed: process exit's flush of a cleared PASID entry is not waited for "
       "(process_exit_during_unbind)"},
  };
  return v;
}

bool set_model_defect(const std::string& name) {
  for (const ModelDefectInfo& d : all_model_defects()) {
    if (name == d.name) {
      model_defects().*(d.flag) = true;
      return true;
    }
  }
  return false;
}

std::string model_defect_names() {
  std::string s;
  for (const ModelDefectInfo& d : all_model_defects()) s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

}  // namespace svafuzz::mm
