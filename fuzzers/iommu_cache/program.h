// The typed program the iommu_cache fuzzer runs: a machine configuration and a sequence of
// operations on page tables, SVA bindings, device DMA and queued invalidation. The runner
// (runner.cc) maps each op's raw argument bytes onto a valid operation deterministically, or
// skips it. Decoding never fails: every byte string is a program.
//
// Wire format (also what gen_seeds.py writes):
//   byte 0: bit 0 = 5-level paging; bit 1 = the second unit's device has ATS;
//           bit 2 = fills are steered by each op's policy byte (else: cache everything)
//   then 6 bytes per op: kind (mod kOpCount), arg[0..3], policy byte
// The policy byte decides, for the k-th cache fill the op's walks attempt (k = 0, 1, ...),
// whether the hardware kept it: bit (k mod 8). 0xff keeps everything.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace svafuzz::fuzz::iommu_cache {

enum class OpKind : uint8_t {
  kBind = 0,      // iommu_sva_bind_device(dev, mm)
  kUnbind,        // iommu_sva_unbind_device(one live handle reference)
  kMmapUser,      // mmap_user_page
  kMunmapUser,    // munmap_user_page (optionally freeing the emptied PTE table)
  kVmapSmall,     // vmap_range_noflush of 1..8 kernel pages, PAGE_SHIFT
  kVmapHuge,      // 2 MiB vmap with PMD_SHIFT: may free a PTE table (pmd_free_pte_page)
  kVmapPud,       // 1 GiB ioremap_page_range: may free a PMD table (pud_free_pmd_page)
  kVunmap,        // vunmap_range of a live vmap area
  kWorker,        // kernel_pgtable_work_func: splice, iommu_sva_invalidate_kva_range, free
  kDmaRead,       // Device::dma_read(pasid, va)
  kDmaWrite,      // Device::dma_write(pasid, va)
  kSpeculate,     // IntelIommu::speculative_walk
  kPiotlbPsi,     // raw page-selective-within-PASID P_IOTLB (ADDR, AM, IH); sync or queued
  kPiotlbPasid,   // raw PASID-selective P_IOTLB; sync or queued
  kDevTlbPasid,   // raw PASID-based device-TLB invalidation; sync or queued
  kQueueWait,     // queue an invalidation wait (SW=1) without waiting for it
  kProcess,       // the unit's hardware step: process_one / process_all
  kKvaRange,      // iommu_sva_invalidate_kva_range(start, end)
  kEvict,         // hardware evicts every cached entry of a unit (allowed at any time)
  kCount
};

struct Op {
  OpKind kind;
  uint8_t arg[4];
  uint8_t policy;
};

struct Program {
  int levels = 4;
  bool ats_on_unit1 = false;
  bool steer_fills = false;
  // Not decodable from bytes (a test-only switch that plants the pre-fix free path: kernel
  // page tables freed at once, before any IOMMU invalidation). Tests use it to prove the
  // runner's detectors find that bug.
  bool planted_free_now = false;
  // Test-only as well: plant a hardware defect on every unit (page-selective P_IOTLB keeps
  // paging-structure entries despite IH=0), which the oracle must report.
  bool planted_psi_keeps_psc = false;
  std::vector<Op> ops;
};

// At most this many ops: bounds an execution's time and the frame pool it needs.
constexpr size_t kMaxOps = 64;
constexpr size_t kHeaderBytes = 1;
constexpr size_t kOpBytes = 6;

Program decode(const uint8_t* data, size_t size);
const char* op_name(OpKind k);
std::string describe(const Op& op);

}  // namespace svafuzz::fuzz::iommu_cache
