// Which translations the IOMMU model caches: a steerable choice, not a fixed policy.
//
// Real VT-d hardware may cache any translation or paging-structure entry it has used, may fill
// caches speculatively, and may evict at any time (VT-d spec §6.2.4; SDM Vol. 3A §4.10.3.1:
// "the processor may create entries in paging-structure caches for translations required for
// prefetches and for accesses that are a result of speculative execution"). Every fill in the
// model asks the installed CachePolicy first, so a controlled scheduler or a fuzzer decides
// what the hardware happened to keep; the default caches everything it may.
#pragma once
#include <cstdint>
#include <functional>

namespace svafuzz::iommu {

enum class CacheKind : uint8_t {
  kIotlb,        // a leaf translation in the IOMMU's IOTLB
  kPsc,          // a paging-structure-cache entry (PML5E, PML4E, PDPE, PDE)
  kDevTlb,       // a translation in an ATS device's device TLB (ATC)
};

// One fill the hardware could make.
struct CacheFill {
  CacheKind kind = CacheKind::kIotlb;
  int level = 1;          // PSC: the entry's level (2 = PDE .. 5 = PML5E); IOTLB: page level
  uint16_t did = 0;
  uint32_t pasid = 0;
  uint64_t va = 0;        // the linear address being translated
  uint64_t next_pa = 0;   // PSC: the next table; IOTLB/DevTLB: the page frame
};

// Contract: may be called from any agent performing a walk, without any model lock held and
// without taking scheduling points itself. Returning false means "the hardware did not keep
// this entry".
class CachePolicy {
 public:
  virtual ~CachePolicy() = default;
  virtual bool cache(const CacheFill& fill) = 0;
};

// Caches everything (the default: the most stale state the hardware is allowed to keep).
class CacheEverything final : public CachePolicy {
 public:
  bool cache(const CacheFill&) override { return true; }
};

// Wraps a callable: fuzzers and schedulers feed their choice source through this.
class CachePolicyFn final : public CachePolicy {
 public:
  explicit CachePolicyFn(std::function<bool(const CacheFill&)> fn) : fn_(std::move(fn)) {}
  bool cache(const CacheFill& fill) override { return fn_(fill); }

 private:
  std::function<bool(const CacheFill&)> fn_;
};

}  // namespace svafuzz::iommu
