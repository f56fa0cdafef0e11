#!/usr/bin/env python3
"""Writes the seed corpus of iommu_cache_fuzzer (corpus/iommu_cache_fuzzer/).

Each seed is one scenario in the wire format of program.h: a header byte (bit 0: 5-level,
bit 1: ATS device on the second unit, bit 2: steer fills by each op's policy byte) and 6 bytes
per op (kind, 4 argument bytes, policy byte). Usage: gen_seeds.py [OUTDIR]
"""
import os
import sys

(BIND, UNBIND, MMAP_USER, MUNMAP_USER, VMAP_SMALL, VMAP_HUGE, VMAP_PUD, VUNMAP, WORKER,
 DMA_READ, DMA_WRITE, SPECULATE, PIOTLB_PSI, PIOTLB_PASID, DEVTLB_PASID, QUEUE_WAIT, PROCESS,
 KVA_RANGE, EVICT) = range(19)
KERNEL = 0x80   # any_va(): bit 7 of the selector picks a kernel (vmalloc) address
DEV0, ATS0, DEV1 = 0, 1, 2


def op(kind, *args, policy=0xff):
    a = list(args) + [0] * (4 - len(args))
    return bytes([kind] + a + [policy])


def seed(levels5, ats1, steer, *ops):
    return bytes([(1 if levels5 else 0) | (2 if ats1 else 0) | (4 if steer else 0)]) + \
        b"".join(ops)


def scenarios():
    # The bug shape the suite exists for, run the mainline way: a user DMA to a kernel address
    # caches the PDE, the PTE table is freed by huge-vmap promotion, the worker invalidates
    # before the free, and a later walk starts from the live tables.
    kernel_pde = [op(BIND, DEV0, 0), op(VMAP_SMALL, 0, 0, 2, 1), op(DMA_READ, DEV0, 0, KERNEL, 0),
                  op(VUNMAP, 0), op(VMAP_HUGE, 0, 3), op(DMA_READ, DEV0, 0, KERNEL, 0),
                  op(WORKER), op(DMA_READ, DEV0, 0, KERNEL, 0)]
    # 1 GiB ioremap frees a PMD table and its PTE tables (pud_free_pmd_page).
    kernel_pud = [op(BIND, ATS0, 1), op(VMAP_SMALL, 1, 1, 3, 2), op(VMAP_SMALL, 3, 0, 1, 3),
                  op(SPECULATE, ATS0, 1, KERNEL | 1, 1), op(DMA_WRITE, ATS0, 1, KERNEL | 3, 0),
                  op(VUNMAP, 0), op(VUNMAP, 0), op(VMAP_PUD, 0, 1), op(WORKER),
                  op(DMA_READ, ATS0, 1, KERNEL | 1, 1)]
    # User pages through the mmu_notifier path, ATS device TLB included.
    user = [op(BIND, ATS0, 0), op(BIND, DEV1, 0), op(MMAP_USER, 0, 0, 0, 1),
            op(MMAP_USER, 0, 0, 1, 1), op(DMA_WRITE, ATS0, 0, 0, 0), op(DMA_READ, DEV1, 0, 0, 1),
            op(DMA_READ, ATS0, 0, 0, 0), op(MUNMAP_USER, 0, 0), op(DMA_READ, ATS0, 0, 0, 0),
            op(MUNMAP_USER, 0, 1), op(DMA_READ, DEV1, 0, 0, 1)]
    # Raw queued invalidation: PSI with IH=1 and IH=0, PASID-selective, device TLB, queued
    # asynchronously and processed step by step, with a wait.
    qi = [op(BIND, ATS0, 0), op(MMAP_USER, 0, 2, 3, 1), op(DMA_READ, ATS0, 0, 2, 3),
          op(PIOTLB_PSI, ATS0, 0, 2, (0 << 2) | 1 | 2), op(QUEUE_WAIT, 0), op(PROCESS, 0, 0),
          op(DMA_READ, ATS0, 0, 2, 3), op(PROCESS, 0, 1), op(PIOTLB_PSI, ATS0, 0, 2, 9 << 2),
          op(DEVTLB_PASID, ATS0, 0, 2, (3 << 2) | 2), op(PROCESS, 0, 1),
          op(PIOTLB_PASID, ATS0, 0, 0, 0), op(DMA_READ, ATS0, 0, 2, 3)]
    # Bind/unbind lifetimes: two mms, three devices, unbind in a different order.
    binds = [op(BIND, DEV0, 0), op(BIND, DEV0, 0), op(BIND, ATS0, 1), op(BIND, DEV1, 1),
             op(MMAP_USER, 1, 1, 1, 1), op(DMA_READ, DEV1, 1, 1, 1), op(UNBIND, 0),
             op(UNBIND, 1), op(DMA_READ, DEV1, 1, 1, 1), op(UNBIND, 0), op(UNBIND, 0),
             op(DMA_READ, DEV0, 0, 1, 1), op(BIND, DEV0, 1), op(KVA_RANGE, 1, 0, 0, 3)]
    # Steered fills: only some entries cached; evictions; kva ranges of every size.
    steered = [op(BIND, DEV0, 0, policy=0x0f), op(VMAP_SMALL, 2, 0, 7, 0),
               op(DMA_READ, DEV0, 0, KERNEL | 2, 0, policy=0x05),
               op(SPECULATE, DEV0, 0, KERNEL | 2, 4, policy=0xf0), op(KVA_RANGE, 0, 2, 0, 1),
               op(EVICT, 0, 1), op(DMA_READ, DEV0, 0, KERNEL | 2, 0, policy=0x0a),
               op(VUNMAP, 0), op(VMAP_HUGE, 2, 5), op(KVA_RANGE, 1, 0, 0, 0), op(WORKER)]
    yield "kernel_pde_promotion", kernel_pde, False, False
    yield "kernel_pud_promotion", kernel_pud, True, False
    yield "user_notifier", user, True, False
    yield "queued_invalidation", qi, False, False
    yield "bind_unbind", binds, False, False
    yield "steered_fills", steered, False, True
    yield "mixed", kernel_pde + user + qi[:6] + steered[2:], True, True


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "corpus/iommu_cache_fuzzer"
    os.makedirs(out, exist_ok=True)
    for name, ops, ats1, steer in scenarios():
        for levels5 in (False, True):
            path = os.path.join(out, "%s_l%d" % (name, 5 if levels5 else 4))
            with open(path, "wb") as f:
                f.write(seed(levels5, ats1, steer, *ops))


if __name__ == "__main__":
    main()
