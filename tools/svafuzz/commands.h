// The svafuzz subcommands, separated from argument parsing (main.cc) so they stay testable.
// Exit codes: 0 no finding, 1 a finding was found/reproduced, 2 bad input.
#pragma once
#include <cstdint>
#include <string>

namespace svafuzz::cli {

struct ExploreArgs {
  std::string strategy = "random";   // random | pct | exhaustive
  std::string scenario = "lost-update";
  uint64_t seed = 1;
  uint64_t runs = 1000;              // executions (a cap for exhaustive)
  int depth = 2;                     // PCT depth d
  int preemptions = -1;              // exhaustive preemption bound; -1 unbounded
  uint64_t pct_steps = 0;            // PCT k; 0 = measure with one non-preemptive run
  uint64_t budget = 100000;          // step budget per execution
  std::string out;                   // where to save the first finding ("" = <scenario>.sched)
  std::string json;                  // write the finding's trace as JSON here
  bool keep_going = false;           // do not stop at the first finding
  bool quiet = false;                // no interleaving printout
};

struct ReplayArgs {
  std::string file;
  std::string json;
  uint64_t budget = 100000;
  bool quiet = false;
};

int cmd_list();
int cmd_explore(const ExploreArgs& a);
int cmd_replay(const ReplayArgs& a);

}  // namespace svafuzz::cli
