// ignore_coverage_counter_races (see coverage_races.h).
#include "fuzzers/common/coverage_races.h"

#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/sched/sanitizer_hooks.h"

// Everything below but the stub is ThreadSanitizer-only.
#if SVAFUZZ_HAS_TSAN
extern "C" void AnnotateBenignRaceSized(const char* file, int line, const volatile void* mem, size_t size,
                                        const char* description);

namespace svafuzz::fuzzers {
namespace {

// The main executable's load bias (0 for a non-PIE executable): the first object
// dl_iterate_phdr reports is the program itself.
int first_object(struct dl_phdr_info* info, size_t, void* out) {
  *static_cast<uintptr_t*>(out) = info->dlpi_addr;
  return 1;
}

// [start, start + size) of the section `name` in /proc/self/exe at run time, or size 0.
bool find_section(const char* name, uintptr_t* start, size_t* size) {
  FILE* f = std::fopen("/proc/self/exe", "rb");
  if (!f) return false;
  bool ok = false;
  Elf64_Ehdr eh;
  std::vector<Elf64_Shdr> sh;
  std::vector<char> names;
  if (std::fread(&eh, sizeof eh, 1, f) == 1 && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shstrndx < eh.e_shnum) {
    sh.resize(eh.e_shnum);
    if (std::fseek(f, static_cast<long>(eh.e_shoff), SEEK_SET) == 0 &&
        std::fread(sh.data(), sizeof(Elf64_Shdr), sh.size(), f) == sh.size()) {
      const Elf64_Shdr& strtab = sh[eh.e_shstrndx];
      names.resize(strtab.sh_size + 1, '\0');
      ok = std::fseek(f, static_cast<long>(strtab.sh_offset), SEEK_SET) == 0 &&
           std::fread(names.data(), 1, strtab.sh_size, f) == strtab.sh_size;
    }
  }
  std::fclose(f);
  if (!ok) return false;
  uintptr_t bias = 0;
  dl_iterate_phdr(first_object, &bias);
  for (const Elf64_Shdr& s : sh) {
    if (s.sh_name < names.size() - 1 && std::strcmp(&names[s.sh_name], name) == 0 && s.sh_addr != 0) {
      *start = bias + s.sh_addr;
      *size = s.sh_size;
      return s.sh_size > 0;
    }
  }
  return false;
}

}  // namespace

unsigned long ignore_coverage_counter_races() {
  uintptr_t start = 0;
  size_t size = 0;
  if (!find_section("__sancov_cntrs", &start, &size)) return 0;
  AnnotateBenignRaceSized(__FILE__, __LINE__, reinterpret_cast<const volatile void*>(start), size,
                          "libFuzzer coverage counters (__sancov_cntrs)");
  return size;
}

}  // namespace svafuzz::fuzzers

#else

namespace svafuzz::fuzzers {
unsigned long ignore_coverage_counter_races() { return 0; }
}  // namespace svafuzz::fuzzers

#endif
