// The saved-input format: round trip and clear errors for malformed files.
#include <gtest/gtest.h>

#include "core/sched/schedule.h"

namespace svafuzz::sched {
namespace {

TEST(ScheduleFileTest, RoundTrips) {
  ScheduleFile f{"lost-update", "pct", 17, 0xdeadbeefcafef00dULL, {0, 1, 1, 0, 2}};
  ScheduleFile g;
  std::string err;
  ASSERT_TRUE(parse_schedule_file(format_schedule_file(f), &g, &err)) << err;
  EXPECT_EQ(g.scenario, f.scenario);
  EXPECT_EQ(g.strategy, f.strategy);
  EXPECT_EQ(g.seed, f.seed);
  EXPECT_EQ(g.hash, f.hash);
  EXPECT_EQ(g.choices, f.choices);
}

TEST(ScheduleFileTest, MalformedInputsAreRejectedWithAReason) {
  const char* bad[] = {
      "",                                                   // no magic
      "svafuzz-schedule 2\nscenario x\n",                   // wrong version
      "svafuzz-schedule 1\nchoices 0 1\n",                  // no scenario
      "svafuzz-schedule 1\nscenario x\nchoices 0 z\n",      // bad number
      "svafuzz-schedule 1\nscenario x\nseed -4\n",          // negative
      "svafuzz-schedule 1\nscenario x\nbogus 1\n",          // unknown key
      "svafuzz-schedule 1\nscenario x y\n",                 // extra token
  };
  for (const char* text : bad) {
    ScheduleFile f;
    std::string err;
    EXPECT_FALSE(parse_schedule_file(text, &f, &err)) << text;
    EXPECT_FALSE(err.empty());
  }
}

TEST(ScheduleFileTest, MissingFileIsAnError) {
  ScheduleFile f;
  std::string err;
  EXPECT_FALSE(load_schedule_file("/nonexistent/x.sched", &f, &err));
  EXPECT_NE(err.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace svafuzz::sched
