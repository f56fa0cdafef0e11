// The free-path subcommands of svafuzz: `designs` (list the registered designs, or check one on
// every litmus shape) and `litmus` (run litmus files and compare expected with actual).
// Exit codes: 0 as expected / no finding, 1 a mismatch / a finding, 2 bad input.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace svafuzz::cli {

struct DesignsArgs {
  std::string check;                  // design to check on every shape ("" = list)
  std::string shape;                  // only this shape ("" = every shape)
  bool iommu_agent = false;           // the IOMMU unit as its own agent (default: random only)
  std::string strategy = "exhaustive";   // exhaustive | random | pct | threads
  int preemptions = 2;
  int depth = 2;                      // pct: bug depth
  uint64_t runs = 100;
  uint64_t seed = 1;
  int levels = 4;
  uint64_t max_executions = 200000;   // exhaustive: per shape
  std::string kernel = "v6.19";       // kernel profile (core/mm/kernel_profile.h)
};

struct LitmusArgs {
  std::vector<std::string> files;
  std::string design;                 // run every file's shape on this design, expecting Never
  bool verbose = false;               // print each finding's message and interleaving
  std::string kernel = "v6.19";       // kernel profile every file runs under
};

int cmd_designs(const DesignsArgs& a);
// `svafuzz kernels`: the kernel profiles, each behaviour with its source.
int cmd_kernels();
int cmd_litmus(const LitmusArgs& a);

}  // namespace svafuzz::cli
