// Litmus files: parsing, running, the result table (see litmus.h).
#include "core/free/litmus.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/free/isolate.h"

namespace svafuzz::free {
namespace {

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string b = slash == std::string::npos ? path : path.substr(slash + 1);
  if (b.size() > 7 && b.substr(b.size() - 7) == ".litmus") b.resize(b.size() - 7);
  return b;
}

bool parse_number(const std::string& v, uint64_t* out) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 12) {
    return false;
  }
  *out = std::stoull(v);
  return true;
}

bool set_key(LitmusTest* t, const std::string& key, const std::string& val, std::string* why) {
  uint64_t n = 0;
  if (key == "design") {
    t->opts.design = val;
  } else if (key == "shape") {
    t->opts.shape = val;
  } else if (key == "expect") {
    t->expect = val;
  } else if (key == "preemptions" && parse_number(val, &n)) {
    t->opts.preemptions = static_cast<int>(n);
  } else if (key == "levels" && parse_number(val, &n)) {
    t->opts.levels = static_cast<int>(n);
  } else if (key == "runs" && parse_number(val, &n) && n > 0) {
    t->opts.runs = n;
  } else if (key == "max-executions" && parse_number(val, &n) && n > 0) {
    t->opts.max_executions = n;
  } else if (key == "strategy" && (val == "exhaustive" || val == "random")) {
    t->opts.strategy = val == "random" ? Strategy::kRandom : Strategy::kExhaustive;
  } else {
    *why = "unknown key or bad value '" + key + " " + val + "'";
    return false;
  }
  return true;
}

bool detector_expected(const std::string& expect, const std::string& det) {
  std::stringstream ss(expect);
  std::string part;
  while (std::getline(ss, part, '|')) {
    if (part == det) return true;
  }
  return false;
}

}  // namespace

bool parse_litmus(const std::string& path, LitmusTest* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  LitmusTest t;
  t.file = path;
  t.name = base_name(path);
  std::string line;
  int lineno = 0;
  if (!std::getline(in, line) || (line != "Never" && line != "Sometimes")) {
    *error = path + ":1: the first line must be 'Never' or 'Sometimes'";
    return false;
  }
  ++lineno;
  t.sometimes = line == "Sometimes";
  while (std::getline(in, line) && !line.empty()) {
    ++lineno;
    t.paragraph += (t.paragraph.empty() ? "" : " ") + line;
  }
  ++lineno;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string key, val, extra;
    ls >> key >> val >> extra;
    std::string why;
    if (val.empty() || !extra.empty() || !set_key(&t, key, val, &why)) {
      *error = path + ":" + std::to_string(lineno) + ": " +
               (why.empty() ? "expected 'key value'" : why);
      return false;
    }
  }
  if (t.expect.empty()) {
    *error = path + ": missing 'expect'";
    return false;
  }
  if (!t.sometimes && t.expect != "clean") {
    *error = path + ": a Never test must 'expect clean'";
    return false;
  }
  std::string why;
  if (!validate(t.opts, &why)) {
    *error = path + ": " + why;
    return false;
  }
  *out = t;
  return true;
}

LitmusResult run_litmus(const LitmusTest& t) {
  LitmusResult r;
  r.test = t;
  auto t0 = std::chrono::steady_clock::now();
  r.outcome = run_isolated([&t] { return explore(t.opts); });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.outcome.found) {
    r.actual = "Sometimes (" + r.outcome.detector + ")";
    r.pass = t.sometimes && detector_expected(t.expect, r.outcome.detector);
  } else if (r.outcome.complete) {
    r.actual = "Never";
    r.pass = !t.sometimes;
  } else {
    r.actual = "Never? (search incomplete)";
    r.pass = false;
  }
  return r;
}

std::string format_litmus_table(const std::vector<LitmusResult>& results) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-46s %-10s %-26s %10s %8s  %s\n", "test", "expected",
                "actual", "executions", "seconds", "result");
  out += buf;
  for (const LitmusResult& r : results) {
    std::string exp = r.test.sometimes ? "Sometimes" : "Never";
    std::snprintf(buf, sizeof buf, "%-46s %-10s %-26s %10llu %8.2f  %s\n", r.test.name.c_str(),
                  exp.c_str(), r.actual.c_str(),
                  static_cast<unsigned long long>(r.outcome.executions), r.seconds,
                  r.pass ? "ok" : "MISMATCH");
    out += buf;
  }
  return out;
}

}  // namespace svafuzz::free
