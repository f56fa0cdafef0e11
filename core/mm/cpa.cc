// __change_page_attr, split_large_page and cpa_collapse_large_pages (set_memory.c).
#include "core/mm/cpa.h"

#include <algorithm>

#include "core/klib/list.h"
#include "core/mm/frame_check.h"
#include "core/mm/mmap_lock.h"
#include "core/mm/model_defects.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable_alloc.h"
#include "core/mm/pgtable_offset.h"
#include "core/mm/tlb.h"
#include "core/sync/sync.h"

namespace svafuzz::mm {
namespace {

constexpr int kEFAULT = 14;
constexpr uint64_t kPmdSize = 1ULL << 21;

struct cpa_data {
  uint64_t vaddr;
  int numpages;
  pteval_t mask_set, mask_clr;
  bool force_split;
  bool flushtlb = false;   // CPA_FLUSHTLB
};

pteval_t flags_of(pteval_t e) { return e & ~PTE_PFN_MASK; }

// __split_large_page: fill `base` from the 2 MiB leaf at `kpte`, publish it, flush_tlb_all.
// Returns 1 (caller frees base) if another CPU changed the mapping meanwhile.
int __split_large_page(pteval_t* kpte, uint64_t address, ptdesc* base) {
  Kernel& k = kernel();
  sync::spin_lock(&k.pgd_lock());
  int level = 0;
  // "Check for races, another CPU might have split this page up for us already"
  if (lookup_address(address, &level) != kpte || level != kPmd) {
    sync::spin_unlock(&k.pgd_lock());
    return 1;
  }
  pteval_t large = read_entry(kpte);
  // pgprot_large_2_4k(pmd_pgprot(*kpte)) with the PSE bit cleared; GLOBAL kept if present.
  pteval_t ref_prot = flags_of(large) & ~_PAGE_PSE;
  if (ref_prot & _PAGE_PRESENT) ref_prot |= _PAGE_GLOBAL;
  phys_addr_t pfn_pa = entry_phys(large) & ~(kPmdSize - 1);
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) {   // split_set_pte
    write_entry(table_slot(base, i), (pfn_pa + i * PAGE_SIZE) | ref_prot);
  }
  // __set_pmd_pte(kpte, address, mk_pte(base, __pgprot(_KERNPG_TABLE)))
  write_entry(kpte, mk_table_entry(base, _KERNPG_TABLE));
  flush_tlb_all();
  sync::spin_unlock(&k.pgd_lock());
  return 0;
}

// The split's PTE table. v6.19: alloc_pages(GFP_KERNEL, 0), a bare page NOT marked PT_kernel,
// so the collapse frees it at once with no IOMMU invalidation (docs/findings/
// cpa-collapse-frees-table-under-device-walk.md). The ptdesc conversion of set_memory.c
// (kernel_profile.h cpa_split_table_marked): pte_alloc_one_kernel(&init_mm), which marks it.
ptdesc* split_table_alloc() {
  Kernel& k = kernel();
  if (k.profile().cpa_split_table_marked) return __pte_alloc_one_kernel(&k.init_mm(), "split_large_page");
  return pagetable_alloc(kPte, &k.init_mm(), "split_large_page");
}

// d5d8b8662e6e (kernel_profile.h cpa_takes_init_mm_read_lock): __change_page_attr_set_clr
// runs under mmap_read_lock(&init_mm), so no collapse (which takes the write lock) can free
// the table a lockless lookup_address returned. The lock is dropped around the split's
// allocation, as cpa_lock is; __change_page_attr re-walks afterwards ("goto repeat").
bool cpa_init_mm_locked() { return kernel().profile().cpa_takes_init_mm_read_lock; }
void cpa_init_mm_read_lock() {
  if (cpa_init_mm_locked()) mmap_read_lock(&kernel().init_mm());
}
void cpa_init_mm_read_unlock() {
  if (cpa_init_mm_locked()) mmap_read_unlock(&kernel().init_mm());
}

// split_large_page: drops cpa_lock (and, under the fixed profile, the init_mm read lock)
// around the table allocation (unless debug_pagealloc).
int split_large_page(pteval_t* kpte, uint64_t address) {
  Kernel& k = kernel();
  sync::spin_unlock(&k.cpa_lock());
  cpa_init_mm_read_unlock();
  ptdesc* base = split_table_alloc();
  cpa_init_mm_read_lock();
  sync::spin_lock(&k.cpa_lock());
  if (!base) return -kENOMEM;
  if (__split_large_page(kpte, address, base)) {
    if (k.profile().cpa_split_table_marked) pte_free_kernel(&k.init_mm(), base);
    else __pagetable_free(base, "__free_page");
  }
  return 0;
}

// __should_split_large_page (called under pgd_lock): 0 = handled in place (cpa->numpages
// set), 1 = split needed (also when another CPU changed the mapping meanwhile).
int __should_split_large_page(pteval_t* kpte, uint64_t address, cpa_data* cpa) {
  int level = 0;
  // "Check for races, another CPU might have split this page up already"
  if (lookup_address(address, &level) != kpte || level != kPmd) return 1;
  pteval_t old = read_entry(kpte);
  uint64_t lpaddr = address & ~(kPmdSize - 1);
  int in_large = static_cast<int>((lpaddr + kPmdSize - address) >> PAGE_SHIFT);
  cpa->numpages = std::min(cpa->numpages, in_large);
  pteval_t new_prot = (flags_of(old) & ~cpa->mask_clr) | cpa->mask_set;
  // "Optimization: If the requested pgprot is the same as the current pgprot, then the large
  // page can be preserved and no updates are required independent of alignment and length"
  if (new_prot == flags_of(old)) return 0;
  // "If the requested range does not cover the full page, split it up"
  if (address != lpaddr || cpa->numpages != static_cast<int>(PTRS_PER_TABLE)) return 1;
  write_entry(kpte, entry_phys(old) | new_prot);   // __set_pmd_pte with the new large prot
  cpa->flushtlb = true;
  return 0;
}

// should_split_large_page: force_split, else __should_split_large_page under pgd_lock.
int should_split_large_page(pteval_t* kpte, uint64_t address, cpa_data* cpa) {
  if (cpa->force_split) return 1;
  Kernel& k = kernel();
  sync::spin_lock(&k.pgd_lock());
  int do_split = __should_split_large_page(kpte, address, cpa);
  sync::spin_unlock(&k.pgd_lock());
  return do_split;
}

// __change_page_attr for the page at cpa->vaddr. Called with cpa_lock held.
int __change_page_attr(cpa_data* cpa) {
  for (;;) {   // "repeat:"
    int level = 0;
    pteval_t* kpte = lookup_address(cpa->vaddr, &level);
    if (!kpte || entry_none(read_entry(kpte))) return -kEFAULT;   // __cpa_process_fault
    if (level == kPte) {
      pteval_t old = read_entry(kpte);
      // A software walker's table check (frame_check.h), after the read so ASan reports a
      // poisoned frame first: lookup_address ran without a lock that excludes a collapse, so
      // the PTE table may have been freed since (docs/findings/cpa-collapse-vs-change-page-attr.md).
      unsigned index = 0;
      ptdesc* table = kernel().frames().slot_to_ptdesc(kpte, &index);
      if (table && !frame_check_table(table->phys(), kPte, &kernel().init_mm(), "__change_page_attr")) {
        return -kEFAULT;
      }
      pteval_t nw = entry_phys(old) | ((flags_of(old) & ~cpa->mask_clr) | cpa->mask_set);
      if (nw != old) {
        write_entry(kpte, nw);   // set_pte_atomic
        cpa->flushtlb = true;
      }
      cpa->numpages = 1;
      return 0;
    }
    if (should_split_large_page(kpte, cpa->vaddr, cpa) <= 0) return 0;
    if (int err = split_large_page(kpte, cpa->vaddr)) return err;
  }
}

bool collapse_pmd_page(pteval_t* pmd, uint64_t addr, klib::list_head* pgtables) {
  ptdesc* pte_page = entry_to_ptdesc(read_entry(pmd));
  pteval_t first = read_entry(table_slot(pte_page, 0));
  if (!entry_present(first) || (entry_phys(first) & (kPmdSize - 1))) return false;
  for (unsigned i = 1; i < PTRS_PER_TABLE; ++i) {
    pteval_t e = read_entry(table_slot(pte_page, i));
    if (!entry_present(e) || flags_of(e) != flags_of(first)) return false;
    if (entry_phys(e) != entry_phys(first) + i * PAGE_SIZE) return false;
  }
  // pgprot_4k_2_large(pte_pgprot(first)) | _PAGE_PSE; set_pmd(pmd, _pmd)
  write_entry(pmd, entry_phys(first) | flags_of(first) | _PAGE_PSE);
  // "Queue the page table to be freed after TLB flush"
  klib::list_add(&pte_page->pt_list, pgtables);
  return true;
}

// The pmd slot of `addr` if every entry above it is a present table (collapse_large_pages'
// pgd_none / p4d_none / !pud_present || pud_leaf checks), else nullptr.
pteval_t* lookup_pmd_table_entry(uint64_t addr) {
  pteval_t* slot = pgd_offset_k(addr);
  for (int l = pgd_level(); l > kPmd; --l) {
    pteval_t e = read_entry(slot);
    if (!entry_present(e) || entry_is_leaf(e, l)) return nullptr;
    slot = table_offset(e, l - 1, addr);
  }
  return slot;
}

// collapse_large_pages(addr, pgtables): under pgd_lock. collapse_pud_page returns 0 at once:
// "if (!direct_gbpages) return 0;".
int collapse_large_pages(uint64_t addr, klib::list_head* pgtables) {
  Kernel& k = kernel();
  addr &= ~(kPmdSize - 1);
  int collapsed = 0;
  sync::spin_lock(&k.pgd_lock());
  pteval_t* pmd = lookup_pmd_table_entry(addr);
  if (pmd) {
    pteval_t e = read_entry(pmd);
    if (entry_present(e) && !entry_is_leaf(e, kPmd)) {
      collapsed = collapse_pmd_page(pmd, addr, pgtables) ? 1 : 0;
    }
  }
  sync::spin_unlock(&k.pgd_lock());
  return collapsed;
}

// cpa_flush(cpa, cache=0): flush_tlb_all above tlb_single_page_flush_ceiling (33) pages, else
// on_each_cpu(__cpa_flush_tlb), whose per-page flush_tlb_one_kernel loop is one
// flush_tlb_kernel_range event here; then, with CPA_COLLAPSE, cpa_collapse_large_pages.
void cpa_flush(cpa_data* cpa, bool collapse) {
  constexpr int tlb_single_page_flush_ceiling = 33;
  const uint64_t end = cpa->vaddr + (static_cast<uint64_t>(cpa->numpages) << PAGE_SHIFT);
  if (cpa->numpages > tlb_single_page_flush_ceiling) {
    flush_tlb_all();
  } else {
    flush_tlb_kernel_range(cpa->vaddr, end);
  }
  if (collapse) cpa_collapse_large_pages(cpa->vaddr, cpa->numpages);   // "collapse_large_pages:"
}

}  // namespace

pteval_t* lookup_address(uint64_t address, int* level) {
  pteval_t* slot = pgd_offset_k(address);
  for (int l = pgd_level(); l > kPte; --l) {
    *level = l;
    pteval_t e = read_entry(slot);
    if (entry_none(e)) return nullptr;
    if (!entry_present(e) || entry_is_leaf(e, l)) return slot;
    slot = table_offset(e, l - 1, address);
  }
  *level = kPte;
  return slot;   // pte_offset_kernel(pmd, address)
}

int change_page_attr_set_clr(uint64_t addr, int numpages, pteval_t mask_set, pteval_t mask_clr,
                             bool force_split, bool collapse) {
  might_sleep();
  Kernel& k = kernel();
  cpa_data cpa{addr, numpages, mask_set, mask_clr, force_split};
  int err = 0;
  if (!mask_set && !mask_clr && !force_split) return 0;   // "No changes, easy!"
  cpa_init_mm_read_lock();   // "Avoid race with concurrent CPA collapse" (fixed profile)
  for (int rempages = numpages; rempages > 0;) {   // __change_page_attr_set_clr
    cpa.numpages = rempages;
    sync::spin_lock(&k.cpa_lock());
    err = __change_page_attr(&cpa);
    sync::spin_unlock(&k.cpa_lock());
    if (err) break;
    rempages -= cpa.numpages;
    cpa.vaddr += static_cast<uint64_t>(cpa.numpages) << PAGE_SHIFT;
  }
  cpa_init_mm_read_unlock();
  cpa.vaddr = addr;          // cpa->curpage advanced; *cpa->vaddr did not
  cpa.numpages = numpages;   // "Restore the original numpages"
  // "Check whether we really changed something": no flush and no collapse otherwise.
  if (!cpa.flushtlb) return err;
  if (err) {
    flush_tlb_all();   // cpa_flush_all: no collapse on the error path
    return err;
  }
  cpa_flush(&cpa, collapse);
  return 0;
}

int set_memory_4k(uint64_t addr, int numpages) {
  return change_page_attr_set_clr(addr, numpages, 0, 0, true, false);
}

namespace {

int __cpa_collapse_large_pages(uint64_t addr, int numpages) {
  LIST_HEAD(pgtables);
  const uint64_t start = addr & ~(kPmdSize - 1);
  const uint64_t end = addr + (static_cast<uint64_t>(numpages) << PAGE_SHIFT);
  int collapsed = 0;
  for (uint64_t a = start; a >= start && a < end; a += kPmdSize) {
    collapsed += collapse_large_pages(a, &pgtables);
  }
  if (!collapsed) return 0;
  flush_tlb_all();
  ptdesc *pt, *tmp;
  list_for_each_entry_safe(pt, tmp, &pgtables, pt_list) {
    klib::list_del(&pt->pt_list);
    // Planted defect (model_defects.h collapse_frees_at_once): no PT_kernel dispatch.
    if (model_defects().collapse_frees_at_once) __pagetable_free(pt);
    else pagetable_free(pt);
  }
  return collapsed;
}

}  // namespace

// a1c7570cedd0 (kernel_profile.h cpa_collapse_takes_init_mm_lock): "scoped_guard(mmap_write_lock,
// &init_mm)" around the whole collapse, its free loop included: excludes ptdump and every CPA
// walker holding the read lock. v6.19 takes only pgd_lock, inside.
int cpa_collapse_large_pages(uint64_t addr, int numpages) {
  if (!kernel().profile().cpa_collapse_takes_init_mm_lock) return __cpa_collapse_large_pages(addr, numpages);
  guard(rwsem_write)(&kernel().init_mm().mmap_lock);   // scoped_guard(mmap_write_lock, &init_mm)
  return __cpa_collapse_large_pages(addr, numpages);
}

}  // namespace svafuzz::mm
