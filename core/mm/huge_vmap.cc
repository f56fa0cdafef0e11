// vmap_try_huge_pmd/pud and the x86 table-freeing helpers they call.
#include "core/mm/huge_vmap.h"

#include "core/mm/mmap_lock.h"
#include "core/mm/model_defects.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/tlb.h"
#include "core/mm/vmalloc.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

bool aligned(uint64_t v, uint64_t size) { return (v & (size - 1)) == 0; }

// pfn_pte(addr >> PAGE_SHIFT, protval_4k_2_large(prot) | _PAGE_PSE); the model never sets
// _PAGE_PAT, so protval_4k_2_large is the identity.
pteval_t mk_huge(phys_addr_t addr, pteval_t prot) { return (addr & PTE_PFN_MASK) | prot | _PAGE_PSE; }

// The "vmap race fix" (kernel_profile.h vmap_huge_takes_init_mm_lock): the table free and the
// huge set run under scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm), so ptdump,
// which holds mmap_write_lock(&init_mm) for its whole walk, is never inside the freed table.
// The trylock fails only while a writer (ptdump, a collapse) holds or waits for the lock; a
// concurrent reader (a CPA under the fixed profile) does not stop the promotion. v6.19 takes no
// lock here.
template <typename Fn>
int under_init_mm_read_trylock(Fn fn) {
  if (!kernel().profile().vmap_huge_takes_init_mm_lock) return fn();
  mm_struct* init_mm = &kernel().init_mm();
  if (!mmap_read_trylock(init_mm)) {
    // Planted defect (model_defects.h vmap_trylock_ignored): the failure is not checked.
    if (model_defects().vmap_trylock_ignored) return fn();
    return 0;   // "return 0": no huge mapping this time
  }
  int ret = fn();
  mmap_read_unlock(init_mm);
  return ret;
}

int set_huge(pteval_t* slot, int level, phys_addr_t addr, pteval_t prot) {
  // mtrr_type_lookup(...) is uniform in the model.
  pteval_t e = read_entry(slot);
  // "Bail out if we are we on a populated non-leaf entry"
  if (entry_present(e) && !entry_is_leaf(e, level)) return 0;
  write_entry(slot, mk_huge(addr, prot));   // set_pte((pte_t *)pmd, ...)
  return 1;
}

}  // namespace

int pmd_free_pte_page(pteval_t* pmd, uint64_t addr) {
  ptdesc* pt = entry_to_ptdesc(read_entry(pmd));   // page_ptdesc(pmd_page(*pmd))
  if (model_defects().free_before_clear) {
    // Planted defect (model_defects.h): the free and pmd_clear swapped around the flush. The
    // PTE table is queued (marked: deferred) while the PMD entry still points at it; it is
    // released with the entry still present if the free path's worker runs before the clear.
    pagetable_dtor_free(pt);
    flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1);
    clear_entry(pmd);
    return 1;
  }
  clear_entry(pmd);                                // pmd_clear(pmd)
  flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1);
  pagetable_dtor_free(pt);
  return 1;
}

int pud_free_pmd_page(pteval_t* pud, uint64_t addr) {
  ptdesc* pmd = entry_to_ptdesc(read_entry(pud));   // pud_pgtable(*pud)
  ptdesc* pmd_sv = __get_free_page("pud_free_pmd_page");
  if (!pmd_sv) return 0;
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t e = read_entry(table_slot(pmd, i));
    write_entry(table_slot(pmd_sv, i), e);
    if (!entry_none(e)) clear_entry(table_slot(pmd, i));
  }
  clear_entry(pud);   // pud_clear(pud)
  // "INVLPG to clear all paging-structure caches"
  flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1);
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {
    pteval_t e = read_entry(table_slot(pmd_sv, i));
    if (entry_none(e)) continue;
    pagetable_dtor_free(entry_to_ptdesc(e));   // page_ptdesc(pmd_page(pmd_sv[i]))
  }
  free_page(pmd_sv, "pud_free_pmd_page");
  pmd_free(&kernel().init_mm(), pmd);
  return 1;
}

int pmd_set_huge(pteval_t* pmd, phys_addr_t addr, pteval_t prot) {
  return set_huge(pmd, kPmd, addr, prot);
}

int pud_set_huge(pteval_t* pud, phys_addr_t addr, pteval_t prot) {
  return set_huge(pud, kPud, addr, prot);
}

int vmap_try_huge_pmd(pteval_t* pmd, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                      pteval_t prot, unsigned max_page_shift) {
  if (max_page_shift < PMD_SHIFT) return 0;
  // arch_vmap_pmd_supported(prot): boot_cpu_has(X86_FEATURE_PSE), true in the model.
  if (end - addr != PMD_SIZE) return 0;
  if (!aligned(addr, PMD_SIZE)) return 0;
  if (!aligned(phys_addr, PMD_SIZE)) return 0;
  return under_init_mm_read_trylock([&] {
    if (entry_present(read_entry(pmd)) && !pmd_free_pte_page(pmd, addr)) return 0;
    return pmd_set_huge(pmd, phys_addr, prot);
  });
}

int vmap_try_huge_pud(pteval_t* pud, uint64_t addr, uint64_t end, phys_addr_t phys_addr,
                      pteval_t prot, unsigned max_page_shift) {
  if (max_page_shift < PUD_SHIFT) return 0;
  // arch_vmap_pud_supported(prot): boot_cpu_has(X86_FEATURE_GBPAGES), true in the model.
  if (end - addr != PUD_SIZE) return 0;
  if (!aligned(addr, PUD_SIZE)) return 0;
  if (!aligned(phys_addr, PUD_SIZE)) return 0;
  return under_init_mm_read_trylock([&] {
    if (entry_present(read_entry(pud)) && !pud_free_pmd_page(pud, addr)) return 0;
    return pud_set_huge(pud, phys_addr, prot);
  });
}

}  // namespace svafuzz::mm
