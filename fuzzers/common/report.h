// What every fuzz target does at the end of an input: if the model's detectors recorded a
// finding, print each one in a fixed, greppable form and abort, so the engine saves the input
// and ci/hunt.sh can name the detector on its last line.
//
//   ==SVAFUZZ== FINDING <detector> <format_finding(...)>
#pragma once

namespace svafuzz::fuzz {

// Prints and aborts if findings() is non-empty; otherwise returns. Clears nothing.
void abort_on_findings(const char* target);

}  // namespace svafuzz::fuzz
