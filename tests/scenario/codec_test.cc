// Round trips of the scenario encodings (text <-> binary), the decoder's acceptance of any
// bytes, the parser's line/column errors, and the mutator's well-formedness.
#include <gtest/gtest.h>

#include "core/scenario/codec.h"
#include "core/scenario/mutate.h"
#include "core/scenario/text.h"

namespace svafuzz::scenario {
namespace {

const char* kCanonical =
    "svafuzz-scenario 1\n"
    "levels 5\n"
    "design seed-v3\n"
    "agent cpu\n"
    "  vmap vmalloc+0x200000 3\n"
    "  vmap_huge vmalloc+0x200000 0\n"
    "agent device\n"
    "  dma_read direct+0x100000 0\n"
    "  prefetch vmalloc+0x201000 7\n"
    "agent sva\n"
    "  bind 1\n"
    "schedule 00 11 f2 03\n";

TEST(ScenarioText, CanonicalTextRoundTripsThroughBinary) {
  Scenario s;
  ParseError err;
  ASSERT_TRUE(parse(kCanonical, &s, &err)) << err.format();
  EXPECT_EQ(s.levels, 5);
  EXPECT_EQ(s.design, "seed-v3");
  ASSERT_EQ(s.agents.size(), 3u);
  EXPECT_EQ(s.agents[0].ops[1].kind, OpKind::kVmapHuge);
  std::vector<uint8_t> bin = encode(s);
  Scenario d = decode(bin.data(), bin.size());
  EXPECT_EQ(d, s);
  EXPECT_EQ(print(d), kCanonical);
}

// The topology and lifetime fields: units, a device's unit and ATS, the exit op.
const char* kTopology =
    "svafuzz-scenario 1\n"
    "levels 4\n"
    "units 3\n"
    "agent device unit 2 ats\n"
    "  dma_read user+0x8000400000 0\n"
    "agent device\n"
    "  prefetch vmalloc+0x200000 0\n"
    "agent sva\n"
    "  bind 17\n"
    "  exit 1\n"
    "schedule 01\n";

TEST(ScenarioText, TopologyAndExitRoundTripThroughBinary) {
  Scenario s;
  ParseError err;
  ASSERT_TRUE(parse(kTopology, &s, &err)) << err.format();
  EXPECT_EQ(s.units, 3);
  ASSERT_EQ(s.agents.size(), 3u);
  EXPECT_EQ(s.agents[0].unit, 2);
  EXPECT_TRUE(s.agents[0].ats);
  EXPECT_EQ(s.agents[1].unit, 0);
  EXPECT_FALSE(s.agents[1].ats);
  EXPECT_EQ(op_proc(s.agents[0].ops[0]), 1u);
  EXPECT_EQ(s.agents[2].ops[1].kind, OpKind::kExit);
  std::vector<uint8_t> bin = encode(s);
  EXPECT_EQ(decode(bin.data(), bin.size()), s);
  EXPECT_EQ(print(s), kTopology);
}

TEST(ScenarioText, DeviceAttributesAreChecked) {
  Scenario s;
  ParseError err;
  EXPECT_FALSE(parse("svafuzz-scenario 1\nagent device unit 1\n", &s, &err));   // 1 unit
  EXPECT_NE(err.message.find("unit must be 0..0"), std::string::npos) << err.message;
  EXPECT_FALSE(parse("svafuzz-scenario 1\nagent cpu ats\n", &s, &err));
  EXPECT_FALSE(parse("svafuzz-scenario 1\nagent device\nunits 2\n", &s, &err));
  EXPECT_NE(err.message.find("before the first agent"), std::string::npos) << err.message;
  EXPECT_FALSE(parse("svafuzz-scenario 1\nunits 4\n", &s, &err));
}

TEST(ScenarioCodec, DeviceBitsAreIgnoredOnOtherAgents) {
  // flags: 2 units; one cpu agent whose kind byte carries the device bits; no ops.
  const uint8_t bytes[] = {0x02, 0x00, 0x01, 0x70, 0x00};
  Scenario s = decode(bytes, sizeof bytes);
  EXPECT_EQ(s.units, 2);
  ASSERT_EQ(s.agents.size(), 1u);
  EXPECT_EQ(s.agents[0].kind, AgentKind::kCpu);
  EXPECT_EQ(s.agents[0].unit, 0);
  EXPECT_FALSE(s.agents[0].ats);
  std::vector<uint8_t> bin = encode(s);
  EXPECT_EQ(decode(bin.data(), bin.size()), s);
}

TEST(ScenarioText, OmittedFieldsTakeDefaults) {
  Scenario s;
  ParseError err;
  ASSERT_TRUE(parse("svafuzz-scenario 1\nagent device\n dma_write\n# c\n\nagent walker\nptdump 1\n", &s, &err))
      << err.format();
  EXPECT_EQ(s.levels, 4);
  EXPECT_EQ(s.agents[0].ops[0].region, Region::kUser);
  EXPECT_EQ(s.agents[1].ops[0].arg, 1);
}

struct BadCase {
  const char* text;
  size_t line, column;
  const char* needle;
};

TEST(ScenarioText, ErrorsNameLineAndColumn) {
  const BadCase cases[] = {
      {"levels 4\n", 1, 1, "expected 'svafuzz-scenario 1'"},
      {"svafuzz-scenario 2\n", 1, 18, "unsupported version"},
      {"svafuzz-scenario 1\nlevels 6\n", 2, 8, "levels must be 4 or 5"},
      {"svafuzz-scenario 1\nagent gpu\n", 2, 7, "unknown agent kind 'gpu'"},
      {"svafuzz-scenario 1\nvmap\n", 2, 1, "before any 'agent'"},
      {"svafuzz-scenario 1\nagent cpu\n  vmapp\n", 3, 3, "unknown op"},
      {"svafuzz-scenario 1\nagent cpu\n  dma_read\n", 3, 3, "not an op of a cpu agent"},
      {"svafuzz-scenario 1\nagent cpu\n  vmap heap+0x0\n", 3, 8, "unknown region 'heap'"},
      {"svafuzz-scenario 1\nagent cpu\n  vmap vmalloc+0xzz\n", 3, 16, "bad offset"},
      {"svafuzz-scenario 1\nagent cpu\n  vmap vmalloc+0 300\n", 3, 18, "0..255"},
      {"svafuzz-scenario 1\nschedule 0g\n", 2, 10, "two hex digits"},
      {"svafuzz-scenario 1\ndesign Bad_Name\n", 2, 8, "design name"},
      {"", 1, 1, "missing first line"},
  };
  for (const BadCase& c : cases) {
    Scenario s;
    ParseError err;
    EXPECT_FALSE(parse(c.text, &s, &err)) << c.text;
    EXPECT_EQ(err.line, c.line) << c.text << " -> " << err.format();
    EXPECT_EQ(err.column, c.column) << c.text << " -> " << err.format();
    EXPECT_NE(err.message.find(c.needle), std::string::npos) << err.format();
  }
}

TEST(ScenarioCodec, AnyBytesDecodeToAScenarioThatRoundTrips) {
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> bytes(rng.below(200));
    for (uint8_t& b : bytes) b = uint8_t(rng.next());
    Scenario s = decode(bytes.data(), bytes.size());
    std::vector<uint8_t> bin = encode(s);
    EXPECT_EQ(decode(bin.data(), bin.size()), s);
    Scenario p;
    ParseError err;
    ASSERT_TRUE(parse(print(s), &p, &err)) << err.format() << "\n" << print(s);
    EXPECT_EQ(p, s);
  }
}

TEST(ScenarioMutate, MutantsStayWellFormed) {
  Rng rng(11);
  Scenario s = generate(rng);
  for (int i = 0; i < 5000; ++i) {
    if (i % 50 == 0) s = crossover(s, generate(rng), rng);
    mutate(&s, rng, i % 2 ? Profile::kAll : Profile::kFreePathOnly);
    ASSERT_LE(s.agents.size(), kMaxAgents);
    for (const Agent& a : s.agents) {
      ASSERT_LE(a.ops.size(), kMaxOpsPerAgent);
      for (const Op& op : a.ops) ASSERT_EQ(agent_of(op.kind), a.kind);
    }
    std::vector<uint8_t> bin = encode(s);
    ASSERT_EQ(decode(bin.data(), bin.size()), s);
  }
}

TEST(ScenarioMutate, FreePathProfileAvoidsUncoveredFreeSites) {
  Rng rng(3);
  for (int i = 0; i < 500; ++i) {
    Scenario s = generate(rng, GenOptions{.profile = Profile::kFreePathOnly});
    for (const Agent& a : s.agents) {
      EXPECT_NE(a.kind, AgentKind::kWalker);
      for (const Op& op : a.ops) {
        EXPECT_NE(op.kind, OpKind::kHotRemove);
        EXPECT_NE(op.kind, OpKind::kCpa);
      }
    }
  }
}

}  // namespace
}  // namespace svafuzz::scenario
