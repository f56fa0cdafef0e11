// The iommu_cache fuzzer's runner as a unit under test (the fuzzer is only as good as its
// detectors): the mainline free path is clean while the oracle sees and explains the stale
// PDE; the planted pre-fix free path ("free now, flush later", BRIEF §7 shape 2) is found;
// arbitrary bytes decode to programs that run.
#include <random>

#include "fuzzers/iommu_cache/program.h"
#include "fuzzers/iommu_cache/runner.h"
#include "tests/iommu/iommu_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define RUNNER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNNER_TEST_ASAN 1
#endif
#endif

namespace svafuzz::fuzz::iommu_cache {
namespace {

Op op(OpKind k, uint8_t a0 = 0, uint8_t a1 = 0, uint8_t a2 = 0, uint8_t a3 = 0) {
  return Op{k, {a0, a1, a2, a3}, 0xff};
}

// BRIEF §7 shape 2 / §1: a user DMA to a kernel address caches the PDE; huge-vmap promotion
// frees the PTE table under it (pmd_free_pte_page); then a DMA walks through the cached PDE.
Program pde_then_promotion(int levels) {
  Program p;
  p.levels = levels;
  p.ops = {op(OpKind::kBind, 0, 0),      op(OpKind::kVmapSmall, 0, 0, 2, 1),
           op(OpKind::kDmaRead, 0, 0, 0x80, 0), op(OpKind::kVunmap, 0),
           op(OpKind::kVmapHuge, 0, 3),  op(OpKind::kDmaRead, 0, 0, 0x80, 0),
           op(OpKind::kWorker),          op(OpKind::kDmaRead, 0, 0, 0x80, 0)};
  return p;
}

class RunnerTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { findings().clear(); }
  void TearDown() override { findings().clear(); }
};

// kernel-sources items 2 and 8: the worker invalidates before it frees. The stale PDE between
// the promotion and the worker is explained by the noted change; nothing is reported.
TEST_P(RunnerTest, MainlineFreePathIsClean) {
  RunStats s = run_program(pde_then_promotion(GetParam()));
  EXPECT_TRUE(findings().empty()) << format_finding(findings().first());
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(s.dma_faults, 3u);        // U/S (SRE off), each time
  EXPECT_GE(s.stale_pending, 1u);     // the oracle did see the stale PDE
}

// The planted pre-fix design: the PTE table is freed at once; the next device walk reads it
// through the stale PDE. AddressSanitizer reports the read (asan presets); without ASan the
// walker's frame check reports the freed frame.
TEST_P(RunnerTest, PlantedFreeNowIsFound) {
  Program p = pde_then_promotion(GetParam());
  p.planted_free_now = true;
#ifdef RUNNER_TEST_ASAN
  EXPECT_DEATH(run_program(p), "use-after-poison");
#else
  run_program(p);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kFrameCheck);
#endif
}

// A planted hardware defect (IH=0 ignored by page-selective P_IOTLB): after the worker's
// completed kernel-half invalidation the PDE into the freed PTE table is still cached, and the
// oracle reports it at the check after the worker op, before any DMA walks through it.
TEST_P(RunnerTest, PlantedIhDefectIsFoundByOracle) {
  Program p = pde_then_promotion(GetParam());
  p.planted_psi_keeps_psc = true;
  p.ops.pop_back();   // no DMA after the worker: the oracle alone must see it
  run_program(p);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kOracle);
}

INSTANTIATE_TEST_SUITE_P(Levels, RunnerTest, ::testing::Values(4, 5),
                         svafuzz::iommu::testing::LevelName);

// program.h: every byte string decodes (header, then whole 6-byte ops, capped at kMaxOps) and
// runs without a finding on the mainline model.
TEST(RunnerDecode, AnyBytesDecodeAndRun) {
  EXPECT_TRUE(decode(nullptr, 0).ops.empty());
  std::vector<uint8_t> big(1 + 6 * (kMaxOps + 10), 0xff);
  Program capped = decode(big.data(), big.size());
  EXPECT_EQ(capped.ops.size(), kMaxOps);
  EXPECT_EQ(capped.levels, 5);
  std::mt19937 rng(12345);
  for (int i = 0; i < 40; ++i) {
    std::vector<uint8_t> bytes(rng() % 200);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    findings().clear();
    run_program(decode(bytes.data(), bytes.size()));
    EXPECT_TRUE(findings().empty()) << "input " << i;
  }
}

}  // namespace
}  // namespace svafuzz::fuzz::iommu_cache
