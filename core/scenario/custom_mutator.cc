// The structure-aware mutator shared by the engines (custom_mutator.h).
#include "core/scenario/custom_mutator.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/scenario/codec.h"
#include "core/scenario/text.h"

namespace svafuzz::scenario {
namespace {

// A text input that does not parse is mutated as the bytes it is (binary decoding never fails).
Scenario decode_any(const uint8_t* data, size_t size) {
  Scenario s;
  std::string err;
  if (!decode_input(data, size, &s, &err)) s = decode(data, size);
  return s;
}

}  // namespace

bool decode_input(const uint8_t* data, size_t size, Scenario* out, std::string* err) {
  if (!looks_like_text(data, size)) {
    *out = decode(data, size);
    return true;
  }
  ParseError pe;
  if (!parse(std::string(reinterpret_cast<const char*>(data), size), out, &pe)) {
    *err = pe.format();
    return false;
  }
  return true;
}

size_t custom_mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed, MutateFn fallback,
                     Profile profile) {
  Rng rng(seed);
  if (fallback && rng.below(8) == 0) return fallback(data, size, max_size);
  Scenario s = decode_any(data, size);
  if (s.agents.empty()) s = generate(rng, GenOptions{.profile = profile});
  for (uint64_t i = 0, n = 1 + rng.below(3); i < n; ++i) mutate(&s, rng, profile);
  std::vector<uint8_t> out = encode(s);
  if (out.size() > max_size) return fallback ? fallback(data, size, max_size) : size;
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

size_t custom_crossover(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                        size_t max_out, unsigned seed) {
  Rng rng(seed);
  std::vector<uint8_t> bin = encode(crossover(decode_any(d1, s1), decode_any(d2, s2), rng));
  size_t n = std::min(bin.size(), max_out);
  std::memcpy(out, bin.data(), n);
  return n;
}

}  // namespace svafuzz::scenario
