// StreamChoice (stream_choice.h).
#include "core/scenario/stream_choice.h"

namespace svafuzz::scenario {

uint32_t StreamChoice::run_length(uint8_t byte) {
  static const uint32_t kRunLength[16] = {0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256};
  return kRunLength[byte >> 4];
}

void StreamChoice::begin_execution() {
  pos_ = 0;
  hold_ = 0;
}

size_t StreamChoice::choose(const sched::ChoicePoint& cp) {
  size_t cur = sched::index_of_current(cp);
  bool cur_runnable = cur < cp.runnable.size();
  if (hold_ > 0 && cur_runnable) {
    --hold_;
    return cur;
  }
  if (pos_ < stream_.size()) {
    uint8_t b = stream_[pos_++];
    hold_ = run_length(b);
    return (b & 0x0f) % cp.runnable.size();
  }
  hold_ = 0;
  return cur_runnable ? cur : 0;   // out of stream: no preemption
}

}  // namespace svafuzz::scenario
