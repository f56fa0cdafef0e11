// Every core/mm operation runs as an agent under the controlled scheduler (core/sched), taking
// the kernel's locks through the facade. Two LKMM-style expectations, both paging depths:
//  - Never: operations whose kernel locking (or disjoint ranges) makes them safe to interleave
//    finish under random schedules with no finding, no deadlock, and the final tables equal to
//    the flat reference model's;
//  - Sometimes (a v6.19 gap, docs/model-mm.md): ptdump_walk_pgd(&init_mm) against CPA's
//    split/collapse, which frees the PTE table under pgd_lock only, nothing ptdump takes; some
//    schedule walks into the freed table (a frame-check finding, or ASan's use-after-poison).
#include <cstdio>
#include <cstdlib>

#include "core/mm/cpa.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/ptdump.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "core/oracle/translation_oracle.h"
#include "core/sched/sched_runtime.h"
#include "core/sched/strategies.h"
#include "tests/mm/mm_fixture.h"

namespace svafuzz::mm::testing {
namespace {

constexpr uint64_t k2M = 1ULL << 21;
constexpr phys_addr_t kDev = 1ULL << 40;
constexpr phys_addr_t kHot = 4ULL << 30;
constexpr uint64_t kUva = 0x400000;

class ConcurrentOpsTest : public MmTest {
 protected:
  void SetUp() override {
    MmTest::SetUp();
    k().hooks().flush_tlb_kernel = nullptr;   // the log is not agent-safe; not needed here
    k().hooks().pagetable_free_kernel = nullptr;   // free at once: any late access is caught
    user_ = k().mm_alloc("user");
    ASSERT_NE(user_, nullptr);
  }

  // Runs `agents` once under a seeded random schedule; returns the findings' first message.
  std::string run(uint64_t seed, const std::vector<std::pair<const char*, std::function<void()>>>& agents) {
    findings().clear();
    sched::RandomChoice source(seed);
    sched::SchedRuntime rt(&source);
    for (const auto& [name, fn] : agents) rt.spawn(name, fn, false);
    rt.run();
    return findings().empty() ? "" : format_finding(findings().first());
  }

  // The vmalloc agent: 4 KiB pages, vunmap, then a huge PMD promotion over the emptied PTE
  // table (pmd_free_pte_page) and a 1 GiB one over a PMD table (pud_free_pmd_page).
  void vmalloc_agent() {
    uint64_t va = vmalloc_model_start() + k2M;
    EXPECT_EQ(vmap_range_noflush(va, va + 3 * PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    vunmap_range(va, va + 3 * PAGE_SIZE);
    EXPECT_EQ(vmap_range_noflush(va, va + k2M, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
    uint64_t g = vmalloc_model_start() + PUD_SIZE;
    EXPECT_EQ(vmap_range_noflush(g, g + PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    vunmap_range(g, g + PAGE_SIZE);
    EXPECT_EQ(ioremap_page_range(g, g + PUD_SIZE, kDev, __PAGE_KERNEL), 0);
  }
  // vmap of 4 KiB pages only: allocates tables, never frees one.
  void vmap_small_agent() {
    uint64_t va = vmalloc_model_start() + 2 * PUD_SIZE + 5 * k2M;
    EXPECT_EQ(vmap_range_noflush(va, va + 4 * PAGE_SIZE, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
    vunmap_range(va, va + PAGE_SIZE);
  }
  // set_memory_ro of one direct-map page (split), then back to RW with CPA_COLLAPSE.
  void cpa_agent() {
    uint64_t page = k().layout().direct_map(k2M) + 5 * PAGE_SIZE;
    EXPECT_EQ(change_page_attr_set_clr(page, 1, 0, _PAGE_RW, false, false), 0);
    EXPECT_EQ(change_page_attr_set_clr(page, 1, _PAGE_RW, 0, false, true), 0);
  }
  void hotplug_agent() {
    EXPECT_EQ(add_memory(kHot, k2M, /*use_4k=*/true), 0);
    EXPECT_EQ(remove_memory(kHot, k2M), 0);
    EXPECT_EQ(add_memory(kHot + k2M, k2M, /*use_4k=*/false), 0);
  }
  void user_agent() {
    EXPECT_NE(mmap_user_page(user_, kUva, true), nullptr);
    EXPECT_NE(mmap_user_page(user_, kUva + PAGE_SIZE, false), nullptr);
    EXPECT_EQ(munmap_user_page(user_, kUva, true), 0);
    EXPECT_EQ(munmap_user_page(user_, kUva + PAGE_SIZE, true), 0);   // frees the PTE table
    EXPECT_NE(mmap_user_page(user_, kUva + 2 * PAGE_SIZE, true), nullptr);
  }
  void mm_alloc_agent() { EXPECT_NE(k().mm_alloc("late"), nullptr); }

  // The final state every Never schedule must reach.
  void expect_final_state(bool with_vmalloc, bool with_cpa) {
    oracle::TranslationOracle o(k());
    if (with_vmalloc) {
      uint64_t va = vmalloc_model_start() + k2M;
      o.vmap(va, va + k2M, kDev, __PAGE_KERNEL, PMD_SHIFT);
      uint64_t g = vmalloc_model_start() + PUD_SIZE;
      o.vmap(g, g + PUD_SIZE, kDev, __PAGE_KERNEL, PUD_SHIFT);
    }
    uint64_t sva = vmalloc_model_start() + 2 * PUD_SIZE + 5 * k2M;
    o.vmap(sva + PAGE_SIZE, sva + 4 * PAGE_SIZE, kDev + PAGE_SIZE, __PAGE_KERNEL, PAGE_SHIFT);
    if (with_cpa) {   // split, then collapsed back: the boot state
      uint64_t page = k().layout().direct_map(k2M) + 5 * PAGE_SIZE;
      o.change_page_attr(page, 1, 0, _PAGE_RW, false, false);
      o.change_page_attr(page, 1, _PAGE_RW, 0, false, true);
    }
    o.add_memory(kHot + k2M, k2M, false);
    ptdesc* data = entry_to_ptdesc(walk(user_, kUva + 2 * PAGE_SIZE).entry);
    ASSERT_NE(data, nullptr);
    o.mmap_user(user_, kUva + 2 * PAGE_SIZE, data->phys(), true);
    std::vector<uint64_t> vas = o.sample_vas(64);
    for (uint64_t va : {kUva, kUva + PAGE_SIZE, kUva + 2 * PAGE_SIZE, sva, sva + PAGE_SIZE,
                        k().layout().direct_map(kHot), k().layout().direct_map(kHot + k2M),
                        vmalloc_model_start() + k2M, vmalloc_model_start() + PUD_SIZE}) {
      vas.push_back(va);
    }
    EXPECT_EQ(o.compare({init_mm(), user_}, vas), 0u) << format_finding(findings().first());
  }

  mm_struct* user_ = nullptr;
};

// Never: every freeing operation at once, with no walker that v6.19 leaves unsynchronised.
TEST_P(ConcurrentOpsTest, FreeingOpsInterleaveSafely) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    if (seed > 1) {
      TearDown();
      SetUp();
    }
    std::string f = run(seed, {{"vmalloc", [this] { vmalloc_agent(); }},
                               {"vmap", [this] { vmap_small_agent(); }},
                               {"cpa", [this] { cpa_agent(); }},
                               {"hotplug", [this] { hotplug_agent(); }},
                               {"user", [this] { user_agent(); }},
                               {"mm_alloc", [this] { mm_alloc_agent(); }}});
    ASSERT_EQ(f, "") << "seed " << seed;
    expect_final_state(/*with_vmalloc=*/true, /*with_cpa=*/true);
  }
}

// Never: ptdump_walk_pgd against the operations its locks exclude (hot-remove: the hotplug
// lock; the user mm's munmap: its mmap_lock) or that free nothing (4 KiB vmap, hot-add).
TEST_P(ConcurrentOpsTest, PtdumpInterleavesWithWhatItsLocksExclude) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    if (seed > 1) {
      TearDown();
      SetUp();
    }
    std::string f = run(seed, {{"ptdump-k", [this] { ptdump_walk_pgd(init_mm()); }},
                               {"ptdump-u", [this] { ptdump_walk_pgd(user_); }},
                               {"vmap", [this] { vmap_small_agent(); }},
                               {"hotplug", [this] { hotplug_agent(); }},
                               {"user", [this] { user_agent(); }}});
    ASSERT_EQ(f, "") << "seed " << seed;
    expect_final_state(/*with_vmalloc=*/false, /*with_cpa=*/false);
  }
}

// Sometimes (v6.19 gap): CPA collapse frees a PTE table that a concurrent ptdump_walk_pgd is
// walking. Runs in a death-test child because under ASan the stale read aborts the process.
TEST_P(ConcurrentOpsTest, PtdumpVersusCpaCollapseFindsTheV619Gap) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto explore = [this] {
    for (uint64_t seed = 1; seed <= 400; ++seed) {
      TearDown();
      SetUp();
      // Repeated passes, so that some walk of the PTE table overlaps its short life.
      std::string f = run(seed, {{"ptdump", [this] { for (int i = 0; i < 4; ++i) ptdump_walk_pgd(init_mm()); }},
                                 {"cpa", [this] { for (int i = 0; i < 4; ++i) cpa_agent(); }}});
      if (!f.empty()) {
        std::fprintf(stderr, "GAP seed %llu: %s\n", static_cast<unsigned long long>(seed), f.c_str());
        std::abort();
      }
    }
    std::exit(0);   // no schedule found it: the death test fails
  };
  EXPECT_DEATH(explore(), "GAP seed [0-9]+: frame-check .*ptdump_walk_pgd entered a (FREED|REUSED) frame"
                          "|AddressSanitizer: use-after-poison");
}

INSTANTIATE_TEST_SUITE_P(mm, ConcurrentOpsTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
