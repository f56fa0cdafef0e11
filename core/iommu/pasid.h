// Scalable-mode PASID-table entries (VT-d spec §9.6, "Scalable-Mode PASID Table Entry") as far
// as first-stage SVA translation needs them: PGTT, DID, FLPTPTR, FLPM and SRE.
//
// Linux SVA (drivers/iommu/intel/pasid.c, intel_pasid_setup_first_level) programs
// PGTT = first-stage, FLPTPTR = __pa(mm->pgd), FLPM = 4- or 5-level to match the CPU, and leaves
// SRE (supervisor requests enable) clear, so every DMA is a user-privilege access.
#pragma once
#include <cstdint>

#include "core/mm/frame.h"

namespace svafuzz::mm {
struct mm_struct;
}

namespace svafuzz::iommu {

// PASID Granular Translation Type (PGTT) values.
enum class Pgtt : uint8_t {
  kFirstStage = 1,   // first-stage only: FLPTPTR is a CPU-format page-table root
  kSecondStage = 2,
  kNested = 3,
  kPassThrough = 4,
};

// First-level paging mode (FLPM): 0 = 4-level, 1 = 5-level.
enum class Flpm : uint8_t { k4Level = 0, k5Level = 1 };

constexpr int flpm_levels(Flpm m) { return m == Flpm::k5Level ? 5 : 4; }

struct PasidEntry {
  bool present = false;
  Pgtt pgtt = Pgtt::kFirstStage;
  uint16_t did = 0;
  mm::phys_addr_t flptptr = 0;   // physical address of the first-stage root table (mm->pgd)
  Flpm flpm = Flpm::k4Level;
  bool sre = false;              // supervisor requests: off for SVA
  // Model bookkeeping, not a hardware field: the address space FLPTPTR belongs to, used for
  // the walkers' frame-ownership check (user half: this mm; kernel half: init_mm).
  mm::mm_struct* mm = nullptr;
};

// PASID 0 is RID2PASID / IOMMU_NO_PASID in Linux; SVA PASIDs start at 1.
constexpr uint32_t IOMMU_NO_PASID = 0;
constexpr uint32_t kPasidMax = 1u << 20;

}  // namespace svafuzz::iommu
