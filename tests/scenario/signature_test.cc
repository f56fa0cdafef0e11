// Finding signatures: the text form and hash, the normalisation of AddressSanitizer and
// frame-check reports of one bug to one state, and the known-findings reader.
#include "core/scenario/signature.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace svafuzz::scenario {
namespace {

SignatureContext ctx_cpu_dev_walker() {
  Scenario s;
  s.levels = 4;
  s.agents.push_back(Agent{AgentKind::kCpu, {}});
  s.agents.push_back(Agent{AgentKind::kDevice, {}});
  s.agents.push_back(Agent{AgentKind::kWalker, {}});
  s.agents.push_back(Agent{AgentKind::kCpu, {}});
  return signature_context(s, "mainline");
}

FindingFrame split_table_freed_by_collapse() {
  FindingFrame f;
  f.valid = true;
  f.pfn = 0x123;
  f.level = 1;
  f.alloc_site = "split_large_page";
  f.free_site = "cpa_collapse_large_pages";
  f.free_via = "change_page_attr_set_clr";
  return f;
}

Finding frame_check(const FindingFrame& fr, const std::string& walker, const std::string& agent,
                    const std::string& op) {
  Finding f;
  f.detector = Detector::kFrameCheck;
  f.message = "pfn-dependent text 0x123 step 77";
  f.agent = agent;
  f.agent_op = op;
  f.walker = walker;
  f.frame = fr;
  f.step = 77;
  return f;
}

TEST(Signature, Fnv1aAndIdAreTheFirst16HexDigits) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(signature_id("a"), "af63dc4c8601ec8c");
  Signature s = make_signature("list-debug cpu:vmap_huge - alloc=- free=-", "double-enqueue");
  EXPECT_EQ(s.id, signature_id(s.state));
  EXPECT_EQ(s.line(), "==SVAFUZZ== SIGNATURE " + s.id + " design=double-enqueue " + s.state);
}

TEST(Signature, AgentNumbersStepsAndPfnsDoNotEnterTheState) {
  SignatureContext ctx = ctx_cpu_dev_walker();
  Finding a = frame_check(split_table_freed_by_collapse(), "IOMMU first-stage walk", "dev0", "dma_read");
  Finding b = a;
  b.agent = "dev7";
  b.step = 9999;
  b.frame.pfn = 0x456;
  b.message = "other text";
  EXPECT_EQ(signature_of_finding(a, ctx).state, signature_of_finding(b, ctx).state);
  EXPECT_EQ(signature_of_finding(a, ctx).state,
            "walk-freed-table iommu-walk pte alloc=split_large_page free=cpa_collapse_large_pages "
            "via change_page_attr_set_clr");
}

// The same bug in an ASan build (use-after-poison at the read) and a build without ASan
// (frame-check "entered a FREED frame" right after the read).
TEST(Signature, AsanUseAfterPoisonAndFrameCheckFreedAreOneClass) {
  SignatureContext ctx = ctx_cpu_dev_walker();
  FindingFrame fr = split_table_freed_by_collapse();
  struct Case {
    const char* walker;   // frame-check's walker name
    const char* agent;
    const char* op;
  } cases[] = {{"IOMMU first-stage walk", "dev0", "dma_read"},
               {"IOMMU walk via cached paging-structure entry", "iommu/dmar0", ""},
               {"ptdump_walk_pgd", "walker0", "ptdump"},
               {"__change_page_attr", "cpu1", "cpa"}};
  for (const Case& c : cases) {
    Signature check = signature_of_finding(frame_check(fr, c.walker, c.agent, c.op), ctx);
    Signature asan = signature_of_asan("use-after-poison", fr, c.agent, c.op, ctx);
    EXPECT_EQ(check.state, asan.state) << c.walker;
    EXPECT_EQ(check.id, asan.id);
    EXPECT_EQ(check.state.rfind("walk-freed-table ", 0), 0u) << check.state;
  }
}

TEST(Signature, ReusedFramesAndDataPagesHaveTheirOwnClasses) {
  SignatureContext ctx = ctx_cpu_dev_walker();
  FindingFrame reused = split_table_freed_by_collapse();
  reused.reused = true;
  EXPECT_EQ(signature_of_finding(frame_check(reused, "ptdump_walk_pgd", "walker0", "ptdump"), ctx).state,
            "walk-reused-table ptdump pte alloc=split_large_page free=cpa_collapse_large_pages via "
            "change_page_attr_set_clr");
  FindingFrame data;
  data.valid = true;
  data.table_walk = false;
  data.alloc_site = "do_anonymous_page";
  data.free_site = "munmap_user_page";
  data.free_via = "munmap";
  std::string want = "access-freed-page device:dma_read - alloc=do_anonymous_page free=munmap_user_page via munmap";
  EXPECT_EQ(signature_of_finding(frame_check(data, "", "dev0", "dma_read"), ctx).state, want);
  EXPECT_EQ(signature_of_asan("use-after-poison", data, "dev0", "dma_read", ctx).state, want);
}

TEST(Signature, OtherDetectorsAndDaemons) {
  SignatureContext ctx = ctx_cpu_dev_walker();
  Finding f;
  f.detector = Detector::kMightSleep;
  f.agent = "kworker/events";
  EXPECT_EQ(signature_of_finding(f, ctx).state, "might-sleep kworker - alloc=- free=-");
  f.detector = Detector::kStranded;
  f.agent = "main";
  EXPECT_EQ(signature_of_finding(f, ctx).state, "stranded teardown - alloc=- free=-");
  f.detector = Detector::kListDebug;
  f.agent = "cpu1";
  f.agent_op = "vmap_huge";
  EXPECT_EQ(signature_of_finding(f, ctx).state, "list-debug cpu:vmap_huge - alloc=- free=-");
  f.detector = Detector::kDanglingTable;
  f.agent_op = "hot_remove";
  f.frame.valid = true;
  f.frame.level = 2;
  f.frame.alloc_site = "alloc_low_pages";
  f.frame.free_site = "free_pmd_table";
  f.frame.free_via = "remove_memory";
  EXPECT_EQ(signature_of_finding(f, ctx).state,
            "dangling-table cpu:hot_remove pmd alloc=alloc_low_pages free=free_pmd_table via remove_memory");
  EXPECT_EQ(signature_of_asan("heap-use-after-free", FindingFrame{}, "cpu0", "vmap", ctx).state,
            "asan-heap-use-after-free cpu:vmap - alloc=- free=-");
}

TEST(Signature, LevelNamesFollowThePagingDepth) {
  EXPECT_EQ(level_name(1, 4), "pte");
  EXPECT_EQ(level_name(3, 4), "pud");
  EXPECT_EQ(level_name(4, 4), "pgd");
  EXPECT_EQ(level_name(4, 5), "p4d");
  EXPECT_EQ(level_name(5, 5), "pgd");
  EXPECT_EQ(level_name(0, 4), "-");
}

TEST(KnownFindings, ParsesEntriesAndSkipsComments) {
  std::string state = "walk-freed-table ptdump pte alloc=split_large_page free=cpa_collapse_large_pages";
  std::string text = "# a comment\n\n" + signature_id(state) + " * * docs/model-mm.md " + state + "\n" +
                     signature_id(state) + " mainline v6.18,v6.19 docs/findings/x.md " + state + "\r\n";
  std::vector<KnownFinding> k;
  std::string err;
  ASSERT_TRUE(parse_known_findings(text, &k, &err)) << err;
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0].design, "*");
  EXPECT_EQ(k[0].doc, "docs/model-mm.md");
  EXPECT_EQ(k[0].state, state);
  EXPECT_TRUE(k[0].kernels.empty());
  EXPECT_EQ(k[1].design, "mainline");
  EXPECT_EQ(k[1].kernels, (std::vector<std::string>{"v6.18", "v6.19"}));
  EXPECT_EQ(find_known(k, make_signature(state, "seed-v3"), "v6.19-fixed"), &k[0]);   // via "*"
  EXPECT_EQ(find_known(k, make_signature(state + "x", "mainline"), "v6.19"), nullptr);
}

// A gap known on v6.19 is not excused under v6.19-fixed, whose fix it would defeat.
TEST(KnownFindings, AnEntryCoversOnlyItsKernelProfiles) {
  std::string state = "walk-freed-table iommu-walk pmd alloc=__pmd_alloc free=free_user_tables via mmap";
  std::vector<KnownFinding> k;
  std::string err;
  ASSERT_TRUE(parse_known_findings(signature_id(state) + " * v6.18,v6.19 docs/a.md " + state + "\n", &k, &err)) << err;
  EXPECT_NE(find_known(k, make_signature(state, "mainline"), "v6.19"), nullptr);
  EXPECT_NE(find_known(k, make_signature(state, "mainline"), "v6.18"), nullptr);
  EXPECT_EQ(find_known(k, make_signature(state, "mainline"), "v6.19-fixed"), nullptr);
}

TEST(KnownFindings, MalformedLinesAreErrorsNamingTheLine) {
  std::string state = "stranded teardown - alloc=- free=-";
  std::string id = signature_id(state);
  struct Case {
    std::string text, why;
  } cases[] = {
      {"# ok\n" + id + " * * docs/a.md\n", "line 2: too few fields"},
      {"0123 * * docs/a.md " + state + "\n", "not 16 lowercase hex digits"},
      {"0123456789abcdef * * docs/a.md " + state + "\n", "is not the hash of its state"},
      {id + " * * docs/a.txt " + state + "\n", "is not a .md path"},
      {id + " * v6.19,v7.0 docs/a.md " + state + "\n", "unknown kernel profile 'v7.0'"},
      {id + " * docs/a.md " + state + "\n", "unknown kernel profile 'docs/a.md'"},
  };
  for (const Case& c : cases) {
    std::vector<KnownFinding> k;
    std::string err;
    EXPECT_FALSE(parse_known_findings(c.text, &k, &err)) << c.text;
    EXPECT_NE(err.find(c.why), std::string::npos) << err;
  }
  std::vector<KnownFinding> k;
  std::string err;
  EXPECT_FALSE(load_known_findings("/nonexistent/known-findings", &k, &err));
  EXPECT_NE(err.find("cannot read"), std::string::npos);
}

// Every gap-*.txt reproducer's "# signature:" state is a known finding for every design on v6.19
// (the profile that keeps the gaps) and on none under v6.19-fixed (the profile that fixes them).
TEST(KnownFindings, ShippedFileListsEveryGapReproducer) {
  const std::string root = SVAFUZZ_SOURCE_DIR;
  std::vector<KnownFinding> known;
  std::string err;
  ASSERT_TRUE(load_known_findings(root + "/corpus/known-findings", &known, &err)) << err;
  int gaps = 0;
  for (const auto& e : std::filesystem::directory_iterator(root + "/corpus/deferred_free_sched_fuzzer/regressions")) {
    if (e.path().filename().string().rfind("gap-", 0) != 0) continue;
    std::ifstream in(e.path());
    std::string line, state;
    while (std::getline(in, line)) {
      if (line.rfind("# signature: ", 0) == 0) state = line.substr(line.find(' ', 13) + 1);
    }
    ASSERT_FALSE(state.empty()) << e.path();
    EXPECT_NE(find_known(known, make_signature(state, "any-design"), "v6.19"), nullptr) << e.path() << ": " << state;
    EXPECT_EQ(find_known(known, make_signature(state, "any-design"), "v6.19-fixed"), nullptr) << e.path();
    ++gaps;
  }
  EXPECT_GT(gaps, 0);
}

}  // namespace
}  // namespace svafuzz::scenario
