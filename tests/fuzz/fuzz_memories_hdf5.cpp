// libFuzzer harness: `[memories] source = "hdf5"` (io::load_memories) reading /model/memories of
// an arbitrary file. Bad files (wrong rank, type, size, NaN/Inf, damage) must end in
// io::InputError; anything else is a finding.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input_file.hpp"
#include "mnemo/io/datasets.hpp"
#include "mnemo/io/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = mnemo::fuzz::write_scratch(data, size);
  mnemo::io::MemoriesConfig c;
  c.source = "hdf5";
  c.path = path;
  c.count = 2;  // the seed files hold a few memories; fewer rows must be refused, not read past
  c.normalize = mnemo::models::Normalize::unit;
  try {
    (void)mnemo::io::load_memories(c, 1, "fuzz.toml");
  } catch (const mnemo::io::InputError& e) {
    mnemo::fuzz::note_refusal(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_memories_hdf5: escaped exception (would exit 1, not 2): %s\n", e.what());
    std::abort();
  }
  std::remove(path.c_str());
  return 0;
}
