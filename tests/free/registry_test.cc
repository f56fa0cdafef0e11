// The design registry, the shipped and plug-in designs, design-state reset, and bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "core/free/litmus.h"
#include "core/free/plugin.h"
#include "core/free/world.h"

namespace svafuzz::free::testing {
namespace {

TEST(Registry, ShipsTheIssueDesigns) {
  for (const char* n : {"mainline", "percpu-llist"}) {
    ASSERT_NE(find_design(n), nullptr) << n;
    EXPECT_EQ(find_design(n)->verdict, Verdict::kClean) << n;
  }
  for (const char* n : {"sync", "seed-v3", "free-then-flush", "unlocked-list-add", "lost-wakeup",
                        "lost-wakeup-flag", "double-enqueue", "sleep-under-lock",
                        "sync-invalidate"}) {
    ASSERT_NE(find_design(n), nullptr) << n;
    EXPECT_EQ(find_design(n)->verdict, Verdict::kFlagged) << n;
    EXPECT_FALSE(find_design(n)->detectors.empty()) << n;
  }
  EXPECT_EQ(find_design("no-such-design"), nullptr);
}

TEST(Registry, SeedHunkIsCompiledInAsAPlugin) {
  const DesignInfo* d = find_design("seed-v3-hunk");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->plugin);
  EXPECT_NE(d->source.find("plugins/seed_v3_hunk.c"), std::string::npos);
  EXPECT_NE(d->pagetable_free_kernel, nullptr);
}

TEST(Registry, UnknownDesignIsAClearError) {
  WorldOptions o;
  o.design = "nope";
  EXPECT_THROW(FreePathWorld w(o), std::invalid_argument);
  ExploreOptions e;
  e.design = "nope";
  std::string error;
  EXPECT_FALSE(validate(e, &error));
  EXPECT_NE(error.find("unknown design 'nope'"), std::string::npos);
  e.design = "mainline";
  e.shape = "NoShape";
  EXPECT_FALSE(validate(e, &error));
  EXPECT_NE(error.find("unknown shape"), std::string::npos);
}

int g_state_probe[4] = {1, 2, 3, 4};
SVAFUZZ_STATE(g_state_probe);

TEST(Registry, StateIsRestoredToItsInitialValue) {
  g_state_probe[0] = 99;
  g_state_probe[3] = -1;
  reset_design_state();
  EXPECT_EQ(g_state_probe[0], 1);
  EXPECT_EQ(g_state_probe[3], 4);
}

std::string write_tmp(const std::string& text) {
  char path[] = "/tmp/svafuzz_litmus_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(Litmus, ParsesAWellFormedFile) {
  std::string p = write_tmp("Sometimes\nwhat it shows\nmore\n\ndesign seed-v3\n"
                            "shape FreeQ.FreeP+DmaP+DmaP\npreemptions 2\nexpect asan|frame-check\n");
  LitmusTest t;
  std::string error;
  ASSERT_TRUE(parse_litmus(p, &t, &error)) << error;
  EXPECT_TRUE(t.sometimes);
  EXPECT_EQ(t.paragraph, "what it shows more");
  EXPECT_EQ(t.opts.design, "seed-v3");
  EXPECT_EQ(t.opts.preemptions, 2);
  std::remove(p.c_str());
}

TEST(Litmus, RejectsBadInputWithAMessage) {
  const char* bad[] = {
      "Maybe\nx\n\ndesign mainline\nshape FreeP\nexpect clean\n",
      "Never\nx\n\ndesign mainline\nshape FreeP\ncolour blue\nexpect clean\n",
      "Never\nx\n\ndesign nope\nshape FreeP\nexpect clean\n",
      "Never\nx\n\ndesign mainline\nshape FreeP\nexpect asan\n",
      "Never\nx\n\ndesign mainline\nshape FreeP\npreemptions many\nexpect clean\n",
      "Sometimes\nx\n\ndesign mainline\nshape FreeP\n",
  };
  for (const char* text : bad) {
    std::string p = write_tmp(text);
    LitmusTest t;
    std::string error;
    EXPECT_FALSE(parse_litmus(p, &t, &error)) << text;
    EXPECT_NE(error.find(p), std::string::npos) << error;
    std::remove(p.c_str());
  }
  LitmusTest t;
  std::string error;
  EXPECT_FALSE(parse_litmus("/nonexistent/x.litmus", &t, &error));
}

}  // namespace
}  // namespace svafuzz::free::testing
