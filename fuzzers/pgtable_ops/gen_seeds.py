#!/usr/bin/env python3
"""Writes the seed corpus of pgtable_ops_fuzzer (corpus/pgtable_ops_fuzzer/).

Each seed is one scenario in the wire format of program.h: a header byte (bit 0: 5-level,
bit 1: async free) and 6 bytes per op (kind, 5 argument bytes). Usage: gen_seeds.py OUTDIR
"""
import os
import sys

VMAP_SMALL, VMAP_PMD, VMAP_PUD, VUNMAP, HOT_ADD, HOT_REMOVE, CPA, MM_ALLOC, MMAP_USER, \
    MUNMAP_USER, PTDUMP = range(11)


def op(kind, *args):
    a = list(args) + [0] * (5 - len(args))
    return bytes([kind] + a)


def seed(levels5, async_free, *ops):
    return bytes([(1 if levels5 else 0) | (2 if async_free else 0)]) + b"".join(ops)


def scenarios():
    # vmap 4K, vunmap, then huge PMD promotion over the emptied PTE table.
    pmd_promo = [op(VMAP_SMALL, 0, 1, 0, 3, 0), op(VUNMAP, 0), op(VMAP_PMD, 0, 1, 0, 0, 4),
                 op(PTDUMP, 0)]
    # two PTE tables under one PMD table, vunmap all, 1 GiB ioremap frees PMD+PTE tables.
    pud_promo = [op(VMAP_SMALL, 1, 0, 0, 2, 1), op(VMAP_SMALL, 1, 5, 7, 2, 2), op(VUNMAP, 0),
                 op(VUNMAP, 0), op(VMAP_PUD, 1, 3, 0), op(VUNMAP, 0), op(PTDUMP, 0)]
    # hot-add in 4K pages, hot-remove (free-before-clear of PTE and PMD tables).
    hotplug = [op(HOT_ADD, 0, 2, 1, 1), op(HOT_ADD, 1, 0, 3, 0), op(PTDUMP, 0),
               op(HOT_REMOVE, 0), op(HOT_REMOVE, 0), op(PTDUMP, 0)]
    # CPA: split a boot 2M page by set_memory_ro of one page, restore rw with collapse.
    cpa = [op(CPA, 0, 5, 1, 0, 1), op(PTDUMP, 0), op(CPA, 0, 5, 1, 0, 2 | 32), op(PTDUMP, 0),
           op(CPA, 0, 0, 2, 3, 16 | 32)]
    # CPA on a hot-added 4K range: collapse turns it into 2M pages; hot-remove after.
    cpa_hot = [op(HOT_ADD, 0, 4, 0, 1), op(CPA, 1, 0, 0, 0, 32 | 4), op(CPA, 1, 0, 0, 0x80, 8 | 32),
               op(HOT_REMOVE, 0)]
    # user mms: map, unmap with and without freeing the PTE table, ptdump of the user mm.
    user = [op(MM_ALLOC), op(MM_ALLOC), op(MMAP_USER, 0, 0, 1, 0, 1), op(MMAP_USER, 1, 1, 2, 1, 0),
            op(MMAP_USER, 0, 0, 2, 0, 1), op(PTDUMP, 1), op(MUNMAP_USER, 0, 1),
            op(MUNMAP_USER, 0, 1), op(PTDUMP, 2), op(VMAP_SMALL, 2, 2, 2, 2, 2), op(PTDUMP, 1)]
    mixed = pmd_promo + hotplug[:2] + user[:4] + cpa[:2] + pud_promo
    unaligned = [op(VMAP_PMD, 3, 2, 0, 2, 9), op(VMAP_PUD, 2, 1, 1), op(VUNMAP, 1),
                 op(VUNMAP, 0), op(VMAP_PUD, 2, 1, 0), op(PTDUMP, 0)]
    yield "pmd_promotion", pmd_promo
    yield "pud_promotion", pud_promo
    yield "hotplug_4k", hotplug
    yield "cpa_split_collapse", cpa
    yield "cpa_collapse_hotadd", cpa_hot
    yield "user_mm", user
    yield "mixed", mixed
    yield "unaligned_huge", unaligned


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "corpus/pgtable_ops_fuzzer"
    os.makedirs(out, exist_ok=True)
    for i, (name, ops) in enumerate(scenarios()):
        levels5 = i % 2 == 1
        async_free = i % 4 != 3
        path = os.path.join(out, "%s_l%d" % (name, 5 if levels5 else 4))
        with open(path, "wb") as f:
            f.write(seed(levels5, async_free, *ops))


if __name__ == "__main__":
    main()
