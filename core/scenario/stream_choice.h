// The scenario's schedule stream as a ChoiceSource: a compact encoding of an interleaving that
// libFuzzer and the structure-aware mutator can change a byte at a time.
//
// Each stream byte is one decision, read whenever two or more agents can run and the current
// agent's run is over: the low nibble picks the next agent (index into the runnable set,
// modulo its size) and the high nibble how many further choices that agent keeps the CPU while
// it stays runnable and does not cpu_relax(): kRunLength[hi] = 0, 1, 2, 3, 4, 6, 8, 12, 16,
// 32, 64, 128, 256, 1024, 4096, 16384. Fine lengths land a switch between two entry accesses;
// geometric ones keep every other agent out across whole operations (a vunmap scans 512
// entries, and the seed-v3 race needs the kworker kept out across a CPU's unlink). A run ends
// at cpu_relax(), so an agent spinning on another (qi_submit_sync polling the IOMMU) does not
// burn it, nor the step budget. When the stream is exhausted the current agent continues for a
// time slice of kSlice..kSlice+36 choices, then the next runnable agent runs (round robin), so
// a spin-wait on another agent always ends. An execution is a pure function of the scenario,
// so a reproducer replays exactly.
//
// Measured (gcc preset, engine-free `scenario_check campaign`, runs to the first finding, 40
// seeds; 2026-12-01): seed-v3 on its corpus seed with 12 DMAs: this table mean 2,160 runs
// (40/40 found) vs the earlier linear table 0..256 mean >18,800 (22/40 within 30,000). With the
// corpus, 20 seeds, new vs old: free-then-flush 138 vs 2,002, unlocked-list-add 781 vs 1,548,
// sync-invalidate 2,924 vs 4,453, lost-wakeup 940 vs 150. A "park agent for N choices" byte
// form was tried and was slower on seed-v3 from random streams; it was not kept.
#pragma once
#include <cstdint>
#include <vector>

#include "core/sched/choice_source.h"

namespace svafuzz::scenario {

class StreamChoice final : public sched::ChoiceSource {
 public:
  explicit StreamChoice(const std::vector<uint8_t>& stream) : stream_(stream) {}
  void begin_execution() override;
  size_t choose(const sched::ChoicePoint& cp) override;
  bool keeps_current(const sync::Event* ev) override;
  const char* name() const override { return "stream"; }
  size_t consumed() const { return pos_; }

  static uint32_t run_length(uint8_t byte);

 private:
  const std::vector<uint8_t>& stream_;
  size_t pos_ = 0;
  uint32_t hold_ = 0;
  uint32_t slice_ = 0;
  uint32_t switches_ = 0;
  static constexpr uint32_t kSlice = 64;
  uint32_t slice_limit() const { return kSlice + (switches_ * 7) % 37; }
};

}  // namespace svafuzz::scenario
