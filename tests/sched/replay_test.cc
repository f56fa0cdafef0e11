// Every strategy replays: a finding's saved input (through the text format) reproduces the
// same trace hash in 100 of 100 runs.
#include <gtest/gtest.h>

#include <memory>

#include "core/sched/exhaustive.h"
#include "core/sched/run.h"
#include "core/sched/scenario.h"
#include "core/sched/strategies.h"

namespace svafuzz::sched {
namespace {

// Finds a finding in `scenario` with sources from `make(i)`; returns its saved-file text.
template <class Make>
std::string find_and_save(const char* scenario, Make make) {
  const ScenarioInfo* info = find_scenario(scenario);
  SchedRuntime rt(nullptr);
  for (uint64_t i = 0; i < 500; ++i) {
    std::unique_ptr<ChoiceSource> src = make(i);
    RunResult r = run_sched_on(&rt, *info, src.get());
    if (!r.findings.empty()) {
      return format_schedule_file(ScheduleFile{scenario, src->name(), i, r.trace_hash, r.schedule});
    }
  }
  return "";
}

void expect_replays(const std::string& text) {
  ASSERT_FALSE(text.empty()) << "no finding to replay";
  ScheduleFile f;
  std::string err;
  ASSERT_TRUE(parse_schedule_file(text, &f, &err)) << err;
  const ScenarioInfo* info = find_scenario(f.scenario);
  for (int i = 0; i < 100; ++i) {
    RunResult r = replay(*info, f);
    ASSERT_EQ(r.trace_hash, f.hash) << "replay " << i;
    ASSERT_FALSE(r.findings.empty());
    ASSERT_FALSE(r.diverged);
  }
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override { register_builtin_scenarios(); }
};

TEST_F(ReplayTest, RandomFindingReplays) {
  expect_replays(find_and_save("lost-update", [](uint64_t i) {
    return std::make_unique<RandomChoice>(i);
  }));
}

TEST_F(ReplayTest, PctFindingReplays) {
  expect_replays(find_and_save("pct-depth2", [](uint64_t i) {
    return std::make_unique<PctChoice>(i, 2, 30);
  }));
}

TEST_F(ReplayTest, FuzzBytesFindingReplays) {
  expect_replays(find_and_save("abba-deadlock", [](uint64_t i) {
    uint8_t bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<uint8_t>((i * 37 + b * 11) >> (b % 3));
    return std::make_unique<FuzzBytesChoice>(bytes, sizeof bytes);
  }));
}

TEST_F(ReplayTest, ExhaustiveFindingReplays) {
  const ScenarioInfo* info = find_scenario("lost-update");
  ExhaustiveSearch dfs;
  SchedRuntime rt(&dfs);
  std::string text;
  do {
    RunResult r = run_sched_on(&rt, *info, &dfs);
    if (!r.findings.empty() && text.empty()) {
      text = format_schedule_file(ScheduleFile{"lost-update", "exhaustive", 0, r.trace_hash,
                                               r.schedule});
    }
  } while (dfs.advance());
  expect_replays(text);
}

TEST_F(ReplayTest, WorkqueueAndMightSleepFindingsReplay) {
  expect_replays(find_and_save("might-sleep", [](uint64_t i) {
    return std::make_unique<RandomChoice>(i);
  }));
}

}  // namespace
}  // namespace svafuzz::sched
