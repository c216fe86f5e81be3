// libFuzzer harness: the HDF5 run-file reader behind `mnemo info` (io::inspect_file) on arbitrary
// bytes. Bad files must end in io::InputError (exit 2); a crash, hang, sanitizer report or any
// other exception is a finding.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input_file.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/run_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = mnemo::fuzz::write_scratch(data, size);
  // require_complete = false: incomplete files are read to the end too (the `complete` check itself
  // is one attribute, covered by the unit and CLI tests); one guarded read per input, since the
  // fork of the HDF5 guard dominates the cost of an execution.
  try {
    (void)mnemo::io::inspect_file(path, false);
  } catch (const mnemo::io::InputError& e) {
    mnemo::fuzz::note_refusal(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_run_file: escaped exception (would exit 1, not 2): %s\n", e.what());
    std::abort();
  }
  std::remove(path.c_str());
  return 0;
}
