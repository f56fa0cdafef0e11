// The saved-input text format (see schedule.h).
#include "core/sched/schedule.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace svafuzz::sched {
namespace {

constexpr const char* kMagic = "svafuzz-schedule 1";

bool parse_u64(const std::string& s, int base, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (errno != 0 || *end != '\0' || s[0] == '-' || s[0] == '+') return false;
  *out = v;
  return true;
}

bool parse_choices(std::istringstream& is, Schedule* out) {
  std::string tok;
  while (is >> tok) {
    uint64_t v = 0;
    if (!parse_u64(tok, 10, &v) || v >= sync::kNoAgent) return false;
    out->push_back(static_cast<sync::AgentId>(v));
  }
  return true;
}

// One "key value" line into *out; false on an unknown key or a bad value.
bool parse_line(const std::string& key, std::istringstream& is, ScheduleFile* out) {
  std::string val;
  if (key == "choices") return parse_choices(is, &out->choices);
  if (!(is >> val)) return false;
  std::string extra;
  if (is >> extra) return false;
  if (key == "scenario") out->scenario = val;
  else if (key == "strategy") out->strategy = val;
  else if (key == "seed") return parse_u64(val, 10, &out->seed);
  else if (key == "hash") return parse_u64(val, 16, &out->hash);
  else return false;
  return true;
}

}  // namespace

std::string format_schedule_file(const ScheduleFile& f) {
  std::ostringstream os;
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016" PRIx64, f.hash);
  os << kMagic << "\nscenario " << f.scenario << "\nstrategy " << f.strategy << "\nseed "
     << f.seed << "\nhash " << hash << "\nchoices";
  for (sync::AgentId a : f.choices) os << ' ' << a;
  os << '\n';
  return os.str();
}

bool parse_schedule_file(const std::string& text, ScheduleFile* out, std::string* error) {
  std::istringstream in(text);
  std::string line;
  *out = ScheduleFile{};
  if (!std::getline(in, line) || line != kMagic) {
    *error = std::string("not a schedule file: first line must be '") + kMagic + "'";
    return false;
  }
  bool have_scenario = false;
  for (int lineno = 2; std::getline(in, line); ++lineno) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    std::string key;
    is >> key;
    if (!parse_line(key, is, out)) {
      *error = "line " + std::to_string(lineno) + ": malformed '" + line + "'";
      return false;
    }
    have_scenario |= key == "scenario";
  }
  if (!have_scenario || out->scenario.empty()) {
    *error = "missing 'scenario' line";
    return false;
  }
  return true;
}

bool load_schedule_file(const std::string& path, ScheduleFile* out, std::string* error) {
  std::ifstream f(path);
  if (!f) {
    *error = "cannot read " + path;
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  if (!parse_schedule_file(ss.str(), out, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

bool save_schedule_file(const std::string& path, const ScheduleFile& f, std::string* error) {
  std::ofstream o(path);
  o << format_schedule_file(f);
  if (!o) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace svafuzz::sched
