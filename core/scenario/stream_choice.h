// The scenario's schedule stream as a ChoiceSource: a compact encoding of an interleaving that
// libFuzzer and the structure-aware mutator can change a byte at a time.
//
// Each stream byte is one decision: the low nibble picks the next agent (index into the
// runnable set, modulo its size) and the high nibble how many further choices that agent keeps
// the CPU while it stays runnable (kRunLength[hi]: 0, 1, 2, 3, 4, 6, 8, 12, ...). So a short
// stream still reaches deep into long executions (a ptdump walk takes hundreds of points),
// and one byte flip moves one context switch. When the stream is exhausted the current agent
// continues for a time slice of kSlice..kSlice+36 choices, then the next runnable agent runs (round robin),
// so a spin-wait on another agent always ends; an execution is a pure function of the
// scenario, so a reproducer replays exactly.
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
};

}  // namespace svafuzz::scenario
