// Queued-invalidation descriptors (VT-d spec §6.5.2): the 256-bit descriptor layout, the field
// encoders under the names drivers/iommu/intel/iommu.h gives them, and a decoded view the
// hardware model acts on.
//
// Modelled descriptor types:
//  - PASID-based IOTLB invalidate (P_IOTLB, type 6, §6.5.2.4): DID, PASID, granularity
//    (non-global within PASID, or page-selective within PASID), ADDR, AM (2^AM pages), IH.
//  - PASID-based device-TLB invalidate (type 8, §6.5.2.6): SID, PASID, ADDR with the S bit; with
//    S=1 the lowest clear bit of ADDR[63:12] at position p means a 2^(p+1)-byte aligned range.
//  - Device-TLB invalidate without PASID (type 3, §6.5.2.5): SID, ADDR with the S bit (bit 0 of
//    qw1); the ATS invalidation request carries no PASID, so the device drops matching
//    translations of every PASID (PCIe ATS: a request without PASID applies to all PASIDs).
//    cache_tag_flush_all sends it for ATS devices.
//  - Invalidation wait (type 5, §6.5.2.8): SW=1 writes STATUS DATA to the status address once
//    every earlier descriptor has completed.
#pragma once
#include <cstdint>

namespace svafuzz::iommu {

struct qi_desc {
  uint64_t qw0 = 0, qw1 = 0, qw2 = 0, qw3 = 0;
};

constexpr unsigned VTD_PAGE_SHIFT = 12;
constexpr uint64_t VTD_PAGE_SIZE = 1ULL << VTD_PAGE_SHIFT;
constexpr uint64_t VTD_PAGE_MASK = ~(VTD_PAGE_SIZE - 1);
// MAX_AGAW_WIDTH 64 less the page shift: a "mask" this wide means the whole address space.
constexpr unsigned MAX_AGAW_PFN_WIDTH = 64 - VTD_PAGE_SHIFT;

constexpr uint64_t QI_DIOTLB_TYPE = 0x3;
constexpr uint64_t QI_IWD_TYPE = 0x5;
constexpr uint64_t QI_EIOTLB_TYPE = 0x6;
constexpr uint64_t QI_DEIOTLB_TYPE = 0x8;

// P_IOTLB granularity (qw0 bits 5:4).
constexpr uint64_t QI_GRAN_NONG_PASID = 2;   // all non-global mappings of the PASID
constexpr uint64_t QI_GRAN_PSI_PASID = 3;    // page-selective within PASID

constexpr uint64_t QI_EIOTLB_GRAN(uint64_t g) { return (g & 3) << 4; }
constexpr uint64_t QI_EIOTLB_DID(uint64_t did) { return (did & 0xffff) << 16; }
constexpr uint64_t QI_EIOTLB_PASID(uint64_t p) { return (p & 0xfffff) << 32; }
constexpr uint64_t QI_EIOTLB_ADDR(uint64_t a) { return a & VTD_PAGE_MASK; }
constexpr uint64_t QI_EIOTLB_IH(uint64_t ih) { return (ih & 1) << 6; }
constexpr uint64_t QI_EIOTLB_AM(uint64_t am) { return am & 0x3f; }

constexpr uint64_t QI_DEV_EIOTLB_PASID(uint64_t p) { return (p & 0xfffff) << 32; }
constexpr uint64_t QI_DEV_EIOTLB_SID(uint64_t sid) { return (sid & 0xffff) << 16; }
constexpr uint64_t QI_DEV_EIOTLB_ADDR(uint64_t a) { return a & VTD_PAGE_MASK; }
constexpr uint64_t QI_DEV_EIOTLB_SIZE = 1ULL << 11;

constexpr uint64_t QI_DEV_IOTLB_SID(uint64_t sid) { return (sid & 0xffff) << 32; }
constexpr uint64_t QI_DEV_IOTLB_ADDR(uint64_t a) { return a & VTD_PAGE_MASK; }
constexpr uint64_t QI_DEV_IOTLB_SIZE = 1;

constexpr uint64_t QI_IWD_STATUS_DATA(uint64_t d) { return (d & 0xffffffff) << 32; }
constexpr uint64_t QI_IWD_STATUS_WRITE = 1ULL << 5;

// desc_status values (drivers/iommu/intel/dmar.c).
constexpr uint32_t QI_FREE = 0;
constexpr uint32_t QI_IN_USE = 1;
constexpr uint32_t QI_DONE = 2;

// qi_desc_piotlb_all: PASID-selective IOTLB invalidation.
qi_desc qi_desc_piotlb_all(uint16_t did, uint32_t pasid);
// qi_desc_piotlb: page-selective within PASID. Precondition (as in the kernel): addr and
// size_order come from calculate_psi_aligned_address, so addr is aligned to 2^(12+size_order).
qi_desc qi_desc_piotlb(uint16_t did, uint32_t pasid, uint64_t addr, unsigned size_order,
                       bool ih);
// qi_desc_dev_iotlb_pasid: PASID-based device-TLB invalidation of 2^size_order pages at addr
// (size_order 0: one page, S=0); size_order is clamped to 64 - VTD_PAGE_SHIFT (everything).
qi_desc qi_desc_dev_iotlb_pasid(uint16_t sid, uint32_t pasid, uint64_t addr,
                                unsigned size_order);
// qi_desc_dev_iotlb: device-TLB invalidation without PASID of 2^mask pages at addr (mask 0: one
// page, S=0); every PASID's translations in the range. mask >= 64 - VTD_PAGE_SHIFT: everything.
qi_desc qi_desc_dev_iotlb(uint16_t sid, uint64_t addr, unsigned mask);
// An invalidation-wait descriptor with SW=1 writing QI_DONE to *status (the model stores the
// host address where the kernel stores virt_to_phys(&desc_status[i])).
qi_desc qi_desc_wait(uint32_t* status);

// The hardware's view of a descriptor.
enum class QiKind : uint8_t { kPiotlb, kPasidDevTlb, kWait, kUnknown, kDevTlb };

struct QiDecoded {
  QiKind kind = QiKind::kUnknown;
  uint16_t did = 0;
  uint32_t pasid = 0;       // kDevTlb: none (all PASIDs)
  uint16_t sid = 0;
  uint64_t gran = 0;       // P_IOTLB granularity
  bool ih = false;
  unsigned am = 0;         // P_IOTLB address mask
  uint64_t first = 0;      // covered range, inclusive (P_IOTLB PSI, device TLB)
  uint64_t last = ~0ULL;
  bool all = false;        // the whole PASID (P_IOTLB NONG_PASID)
  uint32_t* status = nullptr;
  bool status_write = false;
  uint32_t status_data = 0;
};

QiDecoded qi_decode(const qi_desc& d);

// [first, last] of a naturally aligned 2^(12+am)-byte block at addr (ADDR bits below the
// block size are ignored, as the hardware does; VT-d spec §6.5.2.4).
void am_range(uint64_t addr, unsigned am, uint64_t* first, uint64_t* last);

}  // namespace svafuzz::iommu
