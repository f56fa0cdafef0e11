// A corpus-replay main for fuzz targets built without a fuzzing engine (the gcc preset, and any
// build without libFuzzer): runs LLVMFuzzerTestOneInput once on every file named, descending
// into directories. Exit status 0 when every input ran; a finding aborts as under libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "standalone: cannot read %s\n", p.c_str());
    return false;
  }
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "standalone: running %s (%zu bytes)\n", p.c_str(), buf.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fprintf(stderr,
                 "usage: %s FILE_OR_DIR...\n"
                 "Replays each input once through LLVMFuzzerTestOneInput (no fuzzing engine).\n"
                 "Flags starting with '-' are ignored, so libFuzzer command lines still work.\n",
                 argv[0]);
    return argc < 2 ? 2 : 0;
  }
  size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;   // libFuzzer flags such as -runs=0
    std::filesystem::path p(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> files;
      for (auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (auto& f : files) ran += run_file(f) ? 1 : (ok = false, 0);
    } else if (std::filesystem::exists(p, ec)) {
      ran += run_file(p) ? 1 : (ok = false, 0);
    } else {
      std::fprintf(stderr, "standalone: no such file or directory: %s\n", argv[i]);
      ok = false;
    }
  }
  std::fprintf(stderr, "standalone: executed %zu inputs\n", ran);
  return ok ? 0 : 1;
}
