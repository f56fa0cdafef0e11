// scenario_decoder_fuzzer: the scenario decoder and text parser themselves (core/scenario).
// For any input: the binary decoder accepts it, and its result round-trips through the binary
// encoding and through the text form. For a text input: the parser either fails with a
// located error, or its result prints canonically, reparses to the same scenario and survives
// the binary round trip with identical text. A violation prints the input's scenario and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/scenario/codec.h"
#include "core/scenario/text.h"

namespace {

using namespace svafuzz::scenario;   // NOLINT

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "==SVAFUZZ== FINDING oracle scenario codec: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check_binary(const uint8_t* data, size_t size) {
  Scenario s = decode(data, size);
  std::vector<uint8_t> bin = encode(s);
  if (!(decode(bin.data(), bin.size()) == s)) fail("decode(encode(s)) != s", print(s));
  Scenario p;
  ParseError err;
  if (!parse(print(s), &p, &err)) fail("print(s) does not parse", err.format() + "\n" + print(s));
  if (!(p == s)) fail("parse(print(s)) != s", print(s));
}

void check_text(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Scenario s;
  ParseError err;
  if (!parse(text, &s, &err)) {
    if (err.line == 0 || err.column == 0 || err.message.empty()) fail("parse error without a location", err.format());
    return;
  }
  std::string canon = print(s);
  std::vector<uint8_t> bin = encode(s);
  if (print(decode(bin.data(), bin.size())) != canon) fail("text -> binary -> text changed", canon);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;   // longer inputs exercise nothing new (bounds in scenario.h)
  check_binary(data, size);
  if (looks_like_text(data, size)) check_text(data, size);
  return 0;
}
