#pragma once
// Writes a fuzzer input to a private temporary file, since HDF5 reads from a path.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mnemo::fuzz {

inline const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/mnemo-fuzz-" + std::to_string(::getpid()) + ".h5";
  }();
  return path;
}

// Inputs refused because they crashed libhdf5 in the guard's child process (io/hdf5_guard.hpp),
// counted and printed at exit for the smoke test's summary.
inline void note_refusal(const char* what) {
  static long crashes = 0;
  static const bool registered = [] {
    std::atexit([] { std::fprintf(stderr, "mnemo-fuzz: libhdf5_crashes: %ld\n", crashes); });
    return true;
  }();
  (void)registered;
  if (std::strstr(what, "the HDF5 library crashed")) ++crashes;
}

inline const std::string& write_scratch(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace mnemo::fuzz
