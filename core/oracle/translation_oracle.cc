// The reference model's update rules, one per kernel operation.
#include "core/oracle/translation_oracle.h"

#include <algorithm>
#include <iterator>

namespace svafuzz::oracle {
namespace {

using namespace svafuzz::mm;   // NOLINT: kernel vocabulary
constexpr uint64_t k4K = PAGE_SIZE;
constexpr uint64_t k2M = 1ULL << 21;
constexpr uint64_t k1G = 1ULL << 30;

bool aligned(uint64_t v, uint64_t a) { return (v & (a - 1)) == 0; }

}  // namespace

TranslationOracle::TranslationOracle(mm::Kernel& k) : k_(k) {
  const KernelLayout& l = k.layout();
  for (phys_addr_t pa = 0; pa < k.options().boot_ram_bytes; pa += k2M) {
    map_leaf(kernel_, l.direct_map(pa), pa, k2M, __PAGE_KERNEL);
  }
}

void TranslationOracle::map_leaf(Space& s, uint64_t va, phys_addr_t pa, uint64_t size,
                                 pteval_t flags) {
  s[va] = RefLeaf{pa, size, flags & ~_PAGE_PSE};
}

void TranslationOracle::unmap_range(Space& s, uint64_t start, uint64_t end) {
  auto it = s.lower_bound(start);
  if (it != s.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size > start) it = prev;   // a leaf overlapping `start`
  }
  while (it != s.end() && it->first < end) it = s.erase(it);
}

std::optional<RefLeaf> TranslationOracle::find(const Space& s, uint64_t va, uint64_t* base) {
  auto it = s.upper_bound(va);
  if (it == s.begin()) return std::nullopt;
  --it;
  if (va >= it->first + it->second.size) return std::nullopt;
  if (base) *base = it->first;
  return it->second;
}

// vmap_range_noflush: per PUD-sized step, a 1 GiB leaf if vmap_try_huge_pud's conditions
// hold; else per PMD-sized step a 2 MiB leaf if vmap_try_huge_pmd's hold; else 4 KiB pages.
void TranslationOracle::vmap(uint64_t addr, uint64_t end, phys_addr_t phys, pteval_t prot,
                             unsigned max_page_shift) {
  for (uint64_t a = addr; a < end;) {
    uint64_t pud_next = std::min(end, (a + k1G) & ~(k1G - 1));
    if (max_page_shift >= 30 && pud_next - a == k1G && aligned(a, k1G) &&
        aligned(phys + (a - addr), k1G)) {
      map_leaf(kernel_, a, phys + (a - addr), k1G, prot);
      a = pud_next;
      continue;
    }
    for (; a < pud_next;) {
      uint64_t pmd_next = std::min(pud_next, (a + k2M) & ~(k2M - 1));
      if (max_page_shift >= 21 && pmd_next - a == k2M && aligned(a, k2M) &&
          aligned(phys + (a - addr), k2M)) {
        map_leaf(kernel_, a, phys + (a - addr), k2M, prot);
      } else {
        for (uint64_t p = a; p < pmd_next; p += k4K) map_leaf(kernel_, p, phys + (p - addr), k4K, prot);
      }
      a = pmd_next;
    }
  }
}

void TranslationOracle::vunmap(uint64_t addr, uint64_t end) { unmap_range(kernel_, addr, end); }

void TranslationOracle::add_memory(phys_addr_t start, uint64_t size, bool use_4k) {
  const KernelLayout& l = k_.layout();
  uint64_t step = use_4k ? k4K : k2M;
  for (phys_addr_t pa = start; pa < start + size; pa += step) {
    uint64_t va = l.direct_map(pa);
    if (find(kernel_, va, nullptr)) continue;   // phys_*_init leave present entries alone
    map_leaf(kernel_, va, pa, step, __PAGE_KERNEL);
  }
}

void TranslationOracle::remove_memory(phys_addr_t start, uint64_t size) {
  const KernelLayout& l = k_.layout();
  unmap_range(kernel_, l.direct_map(start), l.direct_map(start + size));
}

// __split_large_page: 512 PTEs with the large page's flags, GLOBAL added.
void TranslationOracle::split_2m(uint64_t base) {
  RefLeaf large = kernel_.at(base);
  pteval_t f = large.flags | _PAGE_GLOBAL;
  kernel_.erase(base);
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i) map_leaf(kernel_, base + i * k4K, large.pa + i * k4K, k4K, f);
}

// collapse_pmd_page: 512 present PTEs, same flags, contiguous from a 2 MiB-aligned PA.
void TranslationOracle::collapse_2m(uint64_t base) {
  auto it = kernel_.find(base);
  if (it == kernel_.end() || it->second.size != k4K) return;
  const RefLeaf first = it->second;
  if (!aligned(first.pa, k2M)) return;
  for (unsigned i = 0; i < PTRS_PER_TABLE; ++i, ++it) {
    if (it == kernel_.end() || it->first != base + i * k4K || it->second.size != k4K ||
        it->second.flags != first.flags || it->second.pa != first.pa + i * k4K) {
      return;
    }
  }
  unmap_range(kernel_, base, base + k2M);
  map_leaf(kernel_, base, first.pa, k2M, first.flags);
}

// change_page_attr_set_clr: leaves change as __change_page_attr changes them; the collapse
// (CPA_COLLAPSE) runs from cpa_flush, so only when some entry actually changed (CPA_FLUSHTLB).
void TranslationOracle::change_page_attr(uint64_t addr, int numpages, pteval_t set, pteval_t clr,
                                         bool force_split, bool collapse) {
  const uint64_t end = addr + static_cast<uint64_t>(numpages) * k4K;
  if (!set && !clr && !force_split) return;   // "No changes, easy!"
  bool changed = false;                         // CPA_FLUSHTLB
  bool fault = false;                           // -EFAULT: cpa_flush_all, no collapse
  for (uint64_t a = addr; a < end;) {
    uint64_t base = 0;
    auto leaf = find(kernel_, a, &base);
    if (!leaf) {
      fault = true;   // the kernel returns -EFAULT here
      break;
    }
    pteval_t nf = (leaf->flags & ~clr) | set;
    if (leaf->size == k4K) {
      changed |= nf != leaf->flags;
      kernel_[base].flags = nf;
      a += k4K;
      continue;
    }
    uint64_t large_end = base + leaf->size;
    if (!force_split && nf == leaf->flags) {
      a = large_end;
    } else if (!force_split && a == base && end >= large_end) {
      kernel_[base].flags = nf;
      changed = true;
      a = large_end;
    } else {
      split_2m(base);   // then "goto repeat" on the same address
    }
  }
  if (!collapse || !changed || fault) return;
  for (uint64_t b = addr & ~(k2M - 1); b < end; b += k2M) collapse_2m(b);
}

void TranslationOracle::mmap_user(const mm_struct* mm, uint64_t addr, phys_addr_t pa,
                                  bool writable) {
  map_leaf(user_[mm], addr, pa, k4K, writable ? PAGE_SHARED_USER : PAGE_SHARED_USER & ~_PAGE_RW);
}

void TranslationOracle::munmap_user(const mm_struct* mm, uint64_t addr) {
  unmap_range(user_[mm], addr, addr + k4K);
}

std::optional<RefLeaf> TranslationOracle::lookup(const mm_struct* mm, uint64_t va,
                                                 uint64_t* base) const {
  if (k_.layout().is_kernel(va)) return find(kernel_, va, base);
  auto it = user_.find(mm);
  if (it == user_.end()) return std::nullopt;
  return find(it->second, va, base);
}

size_t TranslationOracle::leaf_count(const mm_struct* mm) const {
  auto it = user_.find(mm);
  return kernel_.size() + (it == user_.end() ? 0 : it->second.size());
}

}  // namespace svafuzz::oracle
