// The readable text form of a Scenario: what seed corpora and reproducers are written in, and
// what a person reviews. Grammar (docs/scenarios.md has the full description):
//
//   svafuzz-scenario 1                 first line: magic and version
//   levels 4|5                         optional, default 4
//   design NAME                        optional: the design a reproducer was found on
//   units 1|2|3                        optional, default 1: VT-d units dmar0..
//   agent cpu|device|sva|walker|attacker
//   agent device [unit N] [ats]        a device behind unit N (default 0), with ATS if 'ats'
//     OP [REGION+OFFSET] [ARG]         ops of the last agent; REGION: vmalloc|direct|user,
//                                      OFFSET: hex (0x...) or decimal, ARG: 0..255
//   schedule HEXBYTE...                the choice stream; repeated lines append
//   # comment                          anywhere; blank lines ignored
//
// print() writes the canonical form, and parse(print(s)) == s. For canonical text t,
// print(decode(encode(parse(t)))) == t. parse() reports the first error with its line and
// column and never throws.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/scenario/scenario.h"

namespace svafuzz::scenario {

constexpr const char* kTextMagic = "svafuzz-scenario";

struct ParseError {
  size_t line = 0;     // 1-based
  size_t column = 0;   // 1-based
  std::string message;
  std::string format() const;   // "line 3, column 7: unknown op 'vmapp'"
};

// Parses text; on failure returns false and fills *err. Bounds of scenario.h are errors, not
// clamps (a person wrote it).
bool parse(const std::string& text, Scenario* out, ParseError* err);
std::string print(const Scenario& s);

// True when the bytes start with the text magic (the fuzz targets accept both forms).
bool looks_like_text(const uint8_t* data, size_t size);

}  // namespace svafuzz::scenario
