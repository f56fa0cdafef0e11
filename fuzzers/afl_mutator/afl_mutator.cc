// AFL++ custom mutator (docs/continuous-fuzzing.md): afl-fuzz calls afl_custom_fuzz for each
// mutation of its custom stage, and every output is a well-formed scenario (custom_mutator.h),
// as under libFuzzer's LLVMFuzzerCustomMutator. With AFL_CUSTOM_MUTATOR_ONLY=1 it is the only
// mutator; otherwise AFL++'s havoc still runs after it.
//
//   AFL_CUSTOM_MUTATOR_LIBRARY=$OUT/svafuzz_afl_mutator.so afl-fuzz -i seeds -o out -- ./target
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "core/scenario/custom_mutator.h"

namespace {

// One instance per afl_custom_init: afl-fuzz may load several.
struct AflMutator {
  unsigned seed;
  std::vector<uint8_t> out;   // owned by the mutator; afl-fuzz reads it until the next call
};

}  // namespace

extern "C" __attribute__((visibility("default"))) void* afl_custom_init(void* /*afl*/, unsigned int seed) {
  return new (std::nothrow) AflMutator{seed, {}};
}

// Mutates buf (or, one call in eight with a second input, their crossover) into at most
// max_size bytes and points *out_buf at the result. Never fails: an input that decodes to no
// agent becomes a generated scenario.
extern "C" __attribute__((visibility("default"))) size_t afl_custom_fuzz(void* data, uint8_t* buf, size_t buf_size,
                                                                  uint8_t** out_buf, uint8_t* add_buf,
                                                                  size_t add_buf_size, size_t max_size) {
  using namespace svafuzz::scenario;
  AflMutator* m = static_cast<AflMutator*>(data);
  unsigned seed = m->seed++;
  m->out.assign(std::max<size_t>(max_size, 1), 0);
  size_t n = std::min(buf_size, m->out.size());
  std::memcpy(m->out.data(), buf, n);
  if (add_buf && add_buf_size && seed % 8 == 0) {
    n = custom_crossover(buf, buf_size, add_buf, add_buf_size, m->out.data(), m->out.size(), seed);
  }
  n = custom_mutate(m->out.data(), n, m->out.size(), seed, nullptr, Profile::kAll);
  *out_buf = m->out.data();
  return n;
}

extern "C" __attribute__((visibility("default"))) void afl_custom_deinit(void* data) {
  delete static_cast<AflMutator*>(data);
}
