// The AFL++ custom mutator library (fuzzers/afl_mutator) as afl-fuzz uses it: dlopen()ed, the
// afl_custom_* symbols resolved by name, and every output a well-formed scenario.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/scenario/codec.h"
#include "core/scenario/custom_mutator.h"

namespace {

using InitFn = void* (*)(void*, unsigned int);
using FuzzFn = size_t (*)(void*, uint8_t*, size_t, uint8_t**, uint8_t*, size_t, size_t);
using DeinitFn = void (*)(void*);

struct Library {
  void* handle = dlopen(SVAFUZZ_AFL_MUTATOR_PATH, RTLD_NOW | RTLD_LOCAL);
  InitFn init = handle ? reinterpret_cast<InitFn>(dlsym(handle, "afl_custom_init")) : nullptr;
  FuzzFn fuzz = handle ? reinterpret_cast<FuzzFn>(dlsym(handle, "afl_custom_fuzz")) : nullptr;
  DeinitFn deinit = handle ? reinterpret_cast<DeinitFn>(dlsym(handle, "afl_custom_deinit")) : nullptr;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

std::vector<uint8_t> seed_input() {
  std::ifstream in(std::string(SVAFUZZ_SOURCE_DIR) + "/corpus/deferred_free_sched_fuzzer/two_cpus_free_concurrently.txt",
                   std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs n mutations, each of the previous output (as afl-fuzz's custom stage does on one entry).
std::vector<std::vector<uint8_t>> mutations(const Library& lib, unsigned seed, int n, size_t max_size) {
  void* m = lib.init(nullptr, seed);
  std::vector<uint8_t> cur = seed_input(), other = cur;
  std::vector<std::vector<uint8_t>> outs;
  for (int i = 0; i < n; ++i) {
    uint8_t* out = nullptr;
    size_t len = lib.fuzz(m, cur.data(), cur.size(), &out, other.data(), other.size(), max_size);
    outs.emplace_back(out, out + len);
    cur = outs.back();
  }
  lib.deinit(m);
  return outs;
}

TEST(AflMutator, ExportsTheAflCustomEntryPoints) {
  Library lib;
  ASSERT_NE(lib.handle, nullptr) << dlerror();
  EXPECT_NE(lib.init, nullptr);
  EXPECT_NE(lib.fuzz, nullptr);
  EXPECT_NE(lib.deinit, nullptr);
}

// Every output fits max_size and is the canonical binary encoding of a scenario with agents,
// so the target decodes it to exactly what the mutator meant.
TEST(AflMutator, EveryOutputIsAWellFormedScenarioWithinMaxSize) {
  Library lib;
  ASSERT_NE(lib.fuzz, nullptr) << dlerror();
  std::vector<uint8_t> seed = seed_input();
  ASSERT_FALSE(seed.empty());
  int changed = 0;
  for (const std::vector<uint8_t>& out : mutations(lib, 7, 300, 1024)) {
    ASSERT_LE(out.size(), 1024u);
    svafuzz::scenario::Scenario s;
    std::string err;
    ASSERT_TRUE(svafuzz::scenario::decode_input(out.data(), out.size(), &s, &err)) << err;
    EXPECT_FALSE(s.agents.empty());
    EXPECT_EQ(svafuzz::scenario::encode(s), out);
    if (out != seed) ++changed;
  }
  EXPECT_GT(changed, 250);
}

TEST(AflMutator, TheSameSeedGivesTheSameMutations) {
  Library lib;
  ASSERT_NE(lib.fuzz, nullptr) << dlerror();
  EXPECT_EQ(mutations(lib, 42, 50, 1024), mutations(lib, 42, 50, 1024));
  EXPECT_NE(mutations(lib, 42, 50, 1024), mutations(lib, 43, 50, 1024));
}

}  // namespace
