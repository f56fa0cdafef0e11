// Every core/mm operation runs as an agent under the controlled scheduler (core/sched), taking
// the kernel's locks through the facade. Two LKMM-style expectations, both paging depths:
//  - Never: operations whose kernel locking (or disjoint ranges) makes them safe to interleave
//    finish under random schedules with no finding, no deadlock, and the final tables equal to
//    the flat reference model's;
//  - Sometimes (v6.19 gaps, docs/model-mm.md §6): ptdump_walk_pgd(&init_mm) against CPA's
//    collapse (frees under pgd_lock only) and against huge vmap promotion (no lock at all),
//    neither of which takes a lock ptdump holds; some schedule walks into the freed table (a
//    frame-check finding, or ASan's use-after-poison).
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
#include "core/threads/threads_runtime.h"
#include "tests/mm/mm_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define SVAFUZZ_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVAFUZZ_TEST_ASAN 1
#endif
#endif

namespace svafuzz::mm::testing {
namespace {

constexpr uint64_t k2M = 1ULL << 21;
constexpr phys_addr_t kDev = 1ULL << 40;
constexpr phys_addr_t kHot = 4ULL << 30;
constexpr uint64_t kUva = 0x400000;

class ConcurrentOpsTest : public MmTest {
 protected:
  // Hot-remove's v6.19 free-before-clear is a dangling-table finding on every hot-remove (the
  // documented gap, DanglingTableTest.HotRemoveOfUnmarkedTablesIsTheDocumentedGap). These sets
  // check locking, so that one report is off; the detector still checks every other release,
  // under every schedule and on real threads.
  KernelOptions options() override {
    KernelOptions o = MmTest::options();
    o.report_hot_remove_gap = false;
    return o;
  }

  void SetUp() override {
    MmTest::SetUp();
    k().hooks().flush_tlb_kernel = nullptr;   // the log is not agent-safe; not needed here
    k().hooks().pagetable_free_kernel = nullptr;   // free at once: any late access is caught
    user_ = k().mm_alloc("user");
    ASSERT_NE(user_, nullptr);
  }

  // Runs `agents` once under a seeded random schedule; returns the findings' first message.
  using Agents = std::vector<std::pair<const char*, std::function<void()>>>;
  std::string run(uint64_t seed, const Agents& agents) {
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

  std::string explore_gap(const std::function<void()>& freer);

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

// Never, on real threads (ThreadSanitizer in the tsan preset): the same agents race for real.
TEST_P(ConcurrentOpsTest, FreeingOpsInterleaveSafelyOnThreads) {
  for (int round = 0; round < 3; ++round) {
    if (round > 0) {
      TearDown();
      SetUp();
    }
    findings().clear();
    {
      threads::ThreadsRuntime rt;
      rt.spawn("vmalloc", [this] { vmalloc_agent(); }, false);
      rt.spawn("vmap", [this] { vmap_small_agent(); }, false);
      rt.spawn("cpa", [this] { cpa_agent(); }, false);
      rt.spawn("hotplug", [this] { hotplug_agent(); }, false);
      rt.spawn("user", [this] { user_agent(); }, false);
      rt.spawn("mm_alloc", [this] { mm_alloc_agent(); }, false);
      rt.run();
    }
    ASSERT_TRUE(findings().empty()) << format_finding(findings().first());
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
// walking. Returns the first schedule's finding ("" if none of `seeds` found it). Under ASan the
// stale read aborts the process first, so the asan build runs this in a death-test child.
// Explores seeded random schedules of `ptdump` (4 passes over init_mm) against `freer`
// until one reports a finding; returns "GAP seed N: <finding>" or "" after 400 seeds.
#ifdef SVAFUZZ_TEST_ASAN
// Under ASan the stale read aborts the process before any frame check: run in a child.
#define EXPECT_GAP(explore, freed_by)                                                   \
  do {                                                                                 \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                                    \
    EXPECT_DEATH(                                                                      \
        {                                                                              \
          std::fprintf(stderr, "%s\n", (explore).c_str());                             \
          std::exit(0); /* only a frame-check finding ends here */                     \
        },                                                                             \
        "AddressSanitizer: use-after-poison");                                         \
  } while (0)
#else
#define EXPECT_GAP(explore, freed_by)                                                   \
  do {                                                                                 \
    std::string f = (explore);                                                         \
    ASSERT_NE(f, "") << "no schedule exposed the v6.19 ptdump race";                   \
    EXPECT_NE(f.find("ptdump_walk_pgd entered a FREED frame"), std::string::npos) << f; \
    EXPECT_NE(f.find("last freed by " freed_by), std::string::npos) << f;              \
    std::printf("%s\n", f.c_str()); /* the trace, quoted in docs/model-mm.md */        \
  } while (0)
#endif

std::string ConcurrentOpsTest::explore_gap(const std::function<void()>& freer) {
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    TearDown();
    SetUp();
    auto ptdump = [this] {
      for (int i = 0; i < 4; ++i) ptdump_walk_pgd(init_mm());
    };
    std::string f = run(seed, {{"ptdump", ptdump}, {"freer", freer}});
    if (!f.empty()) return "GAP seed " + std::to_string(seed) + ": " + f;
  }
  return "";
}

// Sometimes (v6.19 gap): CPA collapse frees (unmarked: at once) a PTE table a concurrent
// ptdump_walk_pgd is walking; CPA takes pgd_lock/cpa_lock, ptdump neither.
TEST_P(ConcurrentOpsTest, PtdumpVersusCpaCollapseFindsTheV619Gap) {
  EXPECT_GAP(explore_gap([this] { for (int i = 0; i < 4; ++i) cpa_agent(); }), "pagetable_free");
}

// Sometimes (v6.19 gap): huge vmap promotion frees the PTE table it replaces with no init_mm
// lock; with the free at once (CONFIG_ASYNC_KERNEL_PGTABLE_FREE off, or a worker that already
// ran) a concurrent ptdump_walk_pgd walks into it.
TEST_P(ConcurrentOpsTest, PtdumpVersusHugePromotionFindsTheV619Gap) {
  EXPECT_GAP(explore_gap([this] {
               for (int i = 1; i <= 4; ++i) {
                 uint64_t va = vmalloc_model_start() + i * k2M;
                 uint64_t end = va + 8 * PAGE_SIZE;
                 EXPECT_EQ(vmap_range_noflush(va, end, kDev, __PAGE_KERNEL, PAGE_SHIFT), 0);
                 vunmap_range(va, end);
                 EXPECT_EQ(vmap_range_noflush(va, va + k2M, kDev, __PAGE_KERNEL, PMD_SHIFT), 0);
               }
             }),
             "pagetable_free_kernel");
}

INSTANTIATE_TEST_SUITE_P(mm, ConcurrentOpsTest, ::testing::Values(4, 5), LevelName);

}  // namespace
}  // namespace svafuzz::mm::testing
