# The one place that owns sanitizer, coverage and fuzzing-engine flags.
#
# Inputs (cache variables, set by CMakePresets.json or on the command line):
#   SVAFUZZ_SANITIZER   none | address | thread      (address also enables UBSan)
#   SVAFUZZ_FUZZ_ENGINE none | libfuzzer | external   (external: link $LIB_FUZZING_ENGINE)
#
# OSS-Fuzz / ClusterFuzzLite / AFL++: when the environment variable LIB_FUZZING_ENGINE is set,
# the build takes $CC $CXX $CFLAGS $CXXFLAGS from the environment as they are (CMake already reads
# CFLAGS/CXXFLAGS into CMAKE_<LANG>_FLAGS), adds no sanitizer or coverage flag of its own, and
# links every fuzz target with $LIB_FUZZING_ENGINE.
#
# Functions:
#   svafuzz_model_target(tgt)   code under test: gets coverage instrumentation when fuzzing
#   svafuzz_fuzz_target(name SOURCES ... LIBS ...)
#                               a fuzz target: libFuzzer, $LIB_FUZZING_ENGINE, or the standalone
#                               corpus-replay main (fuzzers/standalone_main.cc) when no engine

set(SVAFUZZ_SANITIZER "none" CACHE STRING "none | address | thread")
set_property(CACHE SVAFUZZ_SANITIZER PROPERTY STRINGS none address thread)
set(SVAFUZZ_FUZZ_ENGINE "none" CACHE STRING "none | libfuzzer | external")
set_property(CACHE SVAFUZZ_FUZZ_ENGINE PROPERTY STRINGS none libfuzzer external)

if(DEFINED ENV{LIB_FUZZING_ENGINE})
  set(SVAFUZZ_FUZZ_ENGINE "external" CACHE STRING "" FORCE)
  set(SVAFUZZ_SANITIZER "none" CACHE STRING "" FORCE)   # the environment's CXXFLAGS carry them
  set(SVAFUZZ_LIB_FUZZING_ENGINE "$ENV{LIB_FUZZING_ENGINE}")
  message(STATUS "svafuzz: external engine '${SVAFUZZ_LIB_FUZZING_ENGINE}', flags from the environment")
endif()

if(NOT SVAFUZZ_SANITIZER MATCHES "^(none|address|thread)$")
  message(FATAL_ERROR "SVAFUZZ_SANITIZER must be none, address or thread (got '${SVAFUZZ_SANITIZER}')")
endif()
if(NOT SVAFUZZ_FUZZ_ENGINE MATCHES "^(none|libfuzzer|external)$")
  message(FATAL_ERROR "SVAFUZZ_FUZZ_ENGINE must be none, libfuzzer or external (got '${SVAFUZZ_FUZZ_ENGINE}')")
endif()
if(SVAFUZZ_FUZZ_ENGINE STREQUAL "libfuzzer" AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SVAFUZZ_FUZZ_ENGINE=libfuzzer needs clang")
endif()

# Sanitizers instrument everything, harness included: ThreadSanitizer must see every access and
# AddressSanitizer must see the scheduler's stack switches.
set(_svafuzz_san_flags "")
if(SVAFUZZ_SANITIZER STREQUAL "address")
  set(_svafuzz_san_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
elseif(SVAFUZZ_SANITIZER STREQUAL "thread")
  set(_svafuzz_san_flags -fsanitize=thread -fno-omit-frame-pointer)
endif()
if(_svafuzz_san_flags)
  add_compile_options(${_svafuzz_san_flags})
  add_link_options(${_svafuzz_san_flags})
endif()
add_compile_definitions(SVAFUZZ_SANITIZER_${SVAFUZZ_SANITIZER}=1)

# Warnings are part of the contract for every compiler we support.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)

# Coverage feedback only from the code under test (the model), never from the scheduler or
# the harness: libFuzzer should chase new model behaviour, not new scheduler paths.
function(svafuzz_model_target tgt)
  if(SVAFUZZ_FUZZ_ENGINE STREQUAL "libfuzzer")
    target_compile_options(${tgt} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

function(svafuzz_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  if(SVAFUZZ_FUZZ_ENGINE STREQUAL "libfuzzer")
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer-no-link)
  elseif(SVAFUZZ_FUZZ_ENGINE STREQUAL "external")
    target_link_libraries(${name} PRIVATE ${SVAFUZZ_LIB_FUZZING_ENGINE})
  else()
    target_link_libraries(${name} PRIVATE svafuzz_standalone_main)
  endif()
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzzers)
endfunction()
