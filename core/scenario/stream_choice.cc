// StreamChoice (stream_choice.h).
#include "core/scenario/stream_choice.h"

namespace svafuzz::scenario {

uint32_t StreamChoice::run_length(uint8_t byte) {
  static const uint32_t kRunLength[16] = {0,  1,   2,   3,   4,    6,    8,    12,
                                          16, 32,  64,  128, 256,  1024, 4096, 16384};
  return kRunLength[byte >> 4];
}

void StreamChoice::begin_execution() {
  pos_ = 0;
  hold_ = 0;
  slice_ = 0;
  switches_ = 0;
}

// choose() with the current agent runnable, for the cases that return it without reading the
// set: a run in progress, or the out-of-stream time slice not yet over. A yield ends a run in
// choose() (it may then read a byte), so it never takes the fast path.
bool StreamChoice::keeps_current(const sync::Event* ev) {
  if (ev && ev->kind == sync::EventKind::kYield) return false;
  if (hold_ > 0) {
    --hold_;
    return true;
  }
  if (pos_ < stream_.size()) return false;
  if (slice_ + 1 < slice_limit()) {
    ++slice_;
    return true;
  }
  return false;
}

size_t StreamChoice::choose(const sched::ChoicePoint& cp) {
  size_t cur = sched::index_of_current(cp);
  bool cur_runnable = cur < cp.runnable.size();
  // A run ends at cpu_relax(): a spinning agent gives up the rest of it.
  if (cur_runnable && cp.event && cp.event->kind == sync::EventKind::kYield) hold_ = 0;
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
  // Out of stream: the current agent keeps the CPU for a time slice of kSlice choices, then
  // the next runnable agent runs (round robin). Without the slice an agent spinning on another
  // (qi_submit_sync polling for the IOMMU agent) would spin forever.
  if (!cur_runnable) return 0;
  // Slice lengths vary (kSlice..kSlice+36), so a spinning agent is not always preempted at the
  // same point of its loop (e.g. always holding the lock its waiter needs).
  if (++slice_ < slice_limit()) return cur;
  slice_ = 0;
  ++switches_;
  return (cur + 1) % cp.runnable.size();
}

}  // namespace svafuzz::scenario
