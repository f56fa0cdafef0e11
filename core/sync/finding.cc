// The finding log and detector names.
#include "core/sync/finding.h"

#include <cstddef>
#include <cstring>
#include <sstream>

namespace svafuzz {
namespace {
const char* const kDetectorNames[] = {"frame-check", "list-debug", "might-sleep", "deadlock",
                                      "step-budget", "stranded",   "leak",        "oracle",
                                      "double-free", "lock-misuse", "dangling-table"};
static_assert(sizeof(kDetectorNames) / sizeof(kDetectorNames[0]) ==
              static_cast<size_t>(Detector::kCount));
}  // namespace

const char* detector_name(Detector d) {
  auto i = static_cast<size_t>(d);
  return i < static_cast<size_t>(Detector::kCount) ? kDetectorNames[i] : "?";
}

bool parse_detector(const std::string& name, Detector* out) {
  for (size_t i = 0; i < static_cast<size_t>(Detector::kCount); ++i) {
    if (name == kDetectorNames[i]) {
      *out = static_cast<Detector>(i);
      return true;
    }
  }
  return false;
}

void FindingLog::add(Finding f) {
  std::lock_guard<std::mutex> g(mu_);
  findings_.push_back(std::move(f));
}

void FindingLog::clear() {
  std::lock_guard<std::mutex> g(mu_);
  findings_.clear();
}

bool FindingLog::empty() const {
  std::lock_guard<std::mutex> g(mu_);
  return findings_.empty();
}

std::vector<Finding> FindingLog::snapshot() const {
  std::lock_guard<std::mutex> g(mu_);
  return findings_;
}

Finding FindingLog::first() const {
  std::lock_guard<std::mutex> g(mu_);
  return findings_.front();
}

FindingLog& findings() {
  static FindingLog log;
  return log;
}

void report_finding(Detector d, std::string message, sync::SourceLoc loc) {
  report_frame_finding(d, std::move(message), FindingFrame{}, "", loc);
}

void report_frame_finding(Detector d, std::string message, FindingFrame frame, std::string walker,
                          sync::SourceLoc loc) {
  sync::AgentState& a = sync::current_agent();
  Finding f{d, std::move(message), loc, a.name, sync::current_step()};
  f.walker = std::move(walker);
  f.agent_op = a.op ? a.op : "";
  f.frame = std::move(frame);
  findings().add(std::move(f));
  if (sync::Runtime* rt = sync::current_runtime()) rt->on_finding();
}

std::string format_finding(const Finding& f) {
  const char* base = std::strrchr(f.loc.file, '/');
  std::ostringstream os;
  os << detector_name(f.detector) << " at " << (base ? base + 1 : f.loc.file) << ":" << f.loc.line
     << " by " << f.agent << " (step " << f.step << "): " << f.message;
  return os.str();
}

}  // namespace svafuzz
