// run_isolated: fork, run, classify (see isolate.h).
#include "core/free/isolate.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "core/free/progress.h"

// The sanitizer runtime (and its death callback) is only linked into sanitizer builds.
#if defined(SVAFUZZ_SANITIZER_address) || defined(SVAFUZZ_SANITIZER_thread)
#include <sanitizer/common_interface_defs.h>
#define SVAFUZZ_HAVE_SANITIZER_API 1
#endif

namespace svafuzz::free {
namespace {

int g_result_fd = -1;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n') ? std::string("\\n") : std::string(1, c);
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string serialize(const Outcome& o) {
  std::ostringstream ss;
  ss << "OUTCOME\n" << o.found << "\n" << o.detector << "\n" << o.executions << "\n"
     << o.complete << "\n" << o.seed << "\n" << o.pct_steps << "\n";
  for (auto a : o.schedule) ss << a << " ";
  ss << "\n" << escape(o.message) << "\n" << escape(o.trace.substr(0, 1 << 16)) << "\n";
  return ss.str();
}

bool deserialize(const std::string& text, Outcome* o) {
  std::istringstream ss(text);
  std::string line;
  if (!std::getline(ss, line) || line != "OUTCOME") return false;
  std::string found, det, execs, complete, seed, pct_steps, sched, msg, trace;
  if (!std::getline(ss, found) || !std::getline(ss, det) || !std::getline(ss, execs) ||
      !std::getline(ss, complete) || !std::getline(ss, seed) || !std::getline(ss, pct_steps) ||
      !std::getline(ss, sched) ||
      !std::getline(ss, msg)) {
    return false;
  }
  std::getline(ss, trace);
  o->found = found == "1";
  o->detector = det;
  o->executions = std::stoull(execs);
  o->complete = complete == "1";
  o->seed = std::stoull(seed);
  o->pct_steps = std::stoull(pct_steps);
  std::istringstream as(sched);
  uint32_t a;
  while (as >> a) o->schedule.push_back(a);
  o->message = unescape(msg);
  o->trace = unescape(trace);
  return true;
}

#ifdef SVAFUZZ_HAVE_SANITIZER_API
// The child is dying of a sanitizer report: say how far the exploration got.
void on_death() {
  if (g_result_fd < 0) return;
  char buf[128];
  int n = std::snprintf(buf, sizeof buf, "DIED %llu %llu\n",
                        static_cast<unsigned long long>(progress().executions),
                        static_cast<unsigned long long>(progress().seed));
  if (n > 0) write_all(g_result_fd, std::string(buf, static_cast<size_t>(n)));
}
#endif

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string first_line_with(const std::string& text, const char* needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = text.find('\n', at);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

Outcome classify_death(const std::string& result, const std::string& err, int status) {
  Outcome o;
  o.found = true;
  if (sscanf(result.c_str(), "DIED %llu %llu", reinterpret_cast<unsigned long long*>(&o.executions),
             reinterpret_cast<unsigned long long*>(&o.seed)) == 2) {
    ++o.executions;   // the dying execution
  }
  if (err.find("AddressSanitizer") != std::string::npos) {
    o.detector = "asan";
    o.message = first_line_with(err, "ERROR: AddressSanitizer");
    std::string frame = first_line_with(err, "IntelIommu::walk");
    if (!frame.empty()) o.message += "\n" + frame;
  } else if (err.find("ThreadSanitizer") != std::string::npos) {
    o.detector = "tsan";
    o.message = first_line_with(err, "WARNING: ThreadSanitizer");
  } else {
    o.detector = "crash";
    o.message = "child exited abnormally (status " + std::to_string(status) + ")";
  }
  return o;
}

}  // namespace

bool sanitizer_aborts() {
#if defined(SVAFUZZ_SANITIZER_address)
  return true;
#else
  return false;
#endif
}

Outcome run_isolated(const std::function<Outcome()>& fn, bool echo_stderr) {
  int pipefd[2];
  std::FILE* errf = std::tmpfile();
  if (::pipe(pipefd) != 0 || errf == nullptr) return fn();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fn();
  if (pid == 0) {
    ::close(pipefd[0]);
    ::dup2(::fileno(errf), 2);
    g_result_fd = pipefd[1];
#ifdef SVAFUZZ_HAVE_SANITIZER_API
    __sanitizer_set_death_callback(on_death);
#endif
    Outcome o = fn();
    write_all(pipefd[1], serialize(o));
    ::close(pipefd[1]);
    std::fflush(nullptr);
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string result = read_fd(pipefd[0]);
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::lseek(::fileno(errf), 0, SEEK_SET);
  std::string err = read_fd(::fileno(errf));
  std::fclose(errf);
  if (echo_stderr && !err.empty()) std::fwrite(err.data(), 1, err.size(), stderr);
  Outcome o;
  if (deserialize(result, &o)) {
    // TSan without halt_on_error reports and lets the run finish: still a finding.
    if (!o.found && err.find("ThreadSanitizer") != std::string::npos) {
      o.found = true;
      o.detector = "tsan";
      o.message = first_line_with(err, "WARNING: ThreadSanitizer");
    }
    return o;
  }
  return classify_death(result, err, status);
}

}  // namespace svafuzz::free
