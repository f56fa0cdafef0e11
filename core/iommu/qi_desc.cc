// Descriptor encoding and decoding.
#include "core/iommu/qi_desc.h"

namespace svafuzz::iommu {

qi_desc qi_desc_piotlb_all(uint16_t did, uint32_t pasid) {
  qi_desc d;
  d.qw0 = QI_EIOTLB_PASID(pasid) | QI_EIOTLB_DID(did) | QI_EIOTLB_GRAN(QI_GRAN_NONG_PASID) |
          QI_EIOTLB_TYPE;
  return d;
}

qi_desc qi_desc_piotlb(uint16_t did, uint32_t pasid, uint64_t addr, unsigned size_order,
                       bool ih) {
  qi_desc d;
  d.qw0 = QI_EIOTLB_PASID(pasid) | QI_EIOTLB_DID(did) | QI_EIOTLB_GRAN(QI_GRAN_PSI_PASID) |
          QI_EIOTLB_TYPE;
  d.qw1 = QI_EIOTLB_ADDR(addr) | QI_EIOTLB_IH(ih) | QI_EIOTLB_AM(size_order);
  return d;
}

qi_desc qi_desc_dev_iotlb_pasid(uint16_t sid, uint32_t pasid, uint64_t addr,
                                unsigned size_order) {
  if (size_order > 64 - VTD_PAGE_SHIFT) size_order = 64 - VTD_PAGE_SHIFT;
  qi_desc d;
  d.qw0 = QI_DEV_EIOTLB_PASID(pasid) | QI_DEV_EIOTLB_SID(sid) | QI_DEIOTLB_TYPE;
  if (size_order) {
    // S=1: set every address bit below the size, so the lowest clear bit encodes it.
    uint64_t low = (1ULL << (VTD_PAGE_SHIFT + size_order - 1)) - 1;
    d.qw1 = QI_DEV_EIOTLB_ADDR(addr | low) | QI_DEV_EIOTLB_SIZE;
  } else {
    d.qw1 = QI_DEV_EIOTLB_ADDR(addr);
  }
  return d;
}

qi_desc qi_desc_dev_iotlb(uint16_t sid, uint64_t addr, unsigned mask) {
  if (mask > 64 - VTD_PAGE_SHIFT) mask = 64 - VTD_PAGE_SHIFT;
  qi_desc d;
  d.qw0 = QI_DEV_IOTLB_SID(sid) | QI_DIOTLB_TYPE;
  if (mask) {
    addr |= (1ULL << (VTD_PAGE_SHIFT + mask - 1)) - 1;
    d.qw1 = QI_DEV_IOTLB_ADDR(addr) | QI_DEV_IOTLB_SIZE;
  } else {
    d.qw1 = QI_DEV_IOTLB_ADDR(addr);
  }
  return d;
}

qi_desc qi_desc_wait(uint32_t* status) {
  qi_desc d;
  d.qw0 = QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE | QI_IWD_TYPE;
  d.qw1 = reinterpret_cast<uint64_t>(status);
  return d;
}

void am_range(uint64_t addr, unsigned am, uint64_t* first, uint64_t* last) {
  unsigned bits = VTD_PAGE_SHIFT + am;
  if (bits >= 64) {
    *first = 0;
    *last = ~0ULL;
    return;
  }
  uint64_t size_mask = (1ULL << bits) - 1;
  *first = addr & ~size_mask;
  *last = *first | size_mask;
}

namespace {

void decode_piotlb(const qi_desc& d, QiDecoded* q) {
  q->kind = QiKind::kPiotlb;
  q->gran = (d.qw0 >> 4) & 3;
  q->did = static_cast<uint16_t>(d.qw0 >> 16);
  q->pasid = static_cast<uint32_t>((d.qw0 >> 32) & 0xfffff);
  if (q->gran == QI_GRAN_PSI_PASID) {
    q->am = static_cast<unsigned>(d.qw1 & 0x3f);
    q->ih = (d.qw1 >> 6) & 1;
    am_range(d.qw1 & VTD_PAGE_MASK, q->am, &q->first, &q->last);
  } else {
    q->all = true;
  }
}

// S=1: the lowest clear bit of ADDR[63:12], at position p, gives a 2^(p+1)-byte range.
void decode_size_addr(uint64_t addr, bool s, QiDecoded* q) {
  if (!s) {
    q->first = addr;
    q->last = addr + VTD_PAGE_SIZE - 1;
    return;
  }
  uint64_t ones = addr | (VTD_PAGE_SIZE - 1);
  if (ones == ~0ULL) {
    q->first = 0;
    q->last = ~0ULL;
    return;
  }
  unsigned p = static_cast<unsigned>(__builtin_ctzll(~ones));
  if (p + 1 >= 64) {
    q->first = 0;
    q->last = ~0ULL;
    return;
  }
  uint64_t size_mask = (1ULL << (p + 1)) - 1;
  q->first = addr & ~size_mask;
  q->last = q->first | size_mask;
}

void decode_dev_tlb(const qi_desc& d, QiDecoded* q) {
  q->kind = QiKind::kPasidDevTlb;
  q->sid = static_cast<uint16_t>(d.qw0 >> 16);
  q->pasid = static_cast<uint32_t>((d.qw0 >> 32) & 0xfffff);
  decode_size_addr(d.qw1 & VTD_PAGE_MASK, (d.qw1 & QI_DEV_EIOTLB_SIZE) != 0, q);
}

void decode_dev_tlb_nopasid(const qi_desc& d, QiDecoded* q) {
  q->kind = QiKind::kDevTlb;
  q->sid = static_cast<uint16_t>(d.qw0 >> 32);
  decode_size_addr(d.qw1 & VTD_PAGE_MASK, (d.qw1 & QI_DEV_IOTLB_SIZE) != 0, q);
}

}  // namespace

QiDecoded qi_decode(const qi_desc& d) {
  QiDecoded q;
  switch (d.qw0 & 0xf) {
    case QI_EIOTLB_TYPE: decode_piotlb(d, &q); break;
    case QI_DEIOTLB_TYPE: decode_dev_tlb(d, &q); break;
    case QI_DIOTLB_TYPE: decode_dev_tlb_nopasid(d, &q); break;
    case QI_IWD_TYPE:
      q.kind = QiKind::kWait;
      q.status_write = (d.qw0 & QI_IWD_STATUS_WRITE) != 0;
      q.status_data = static_cast<uint32_t>(d.qw0 >> 32);
      q.status = reinterpret_cast<uint32_t*>(d.qw1);
      break;
    default: break;
  }
  return q;
}

}  // namespace svafuzz::iommu
