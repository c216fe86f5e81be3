// libFuzzer harness: the config parser and validator (io::parse_config) on arbitrary bytes.
// Contract section 2: bad input is an io::InputError (exit 2), never a crash, a hang or any other
// exception (which `mnemo` would report as exit 1). Anything else aborts, so the fuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "mnemo/io/config.hpp"
#include "mnemo/io/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mnemo::io::RunConfig c = mnemo::io::parse_config(text, "fuzz.toml");
    // A config that validates must also survive the sweep path (re-serialised and re-parsed).
    if (c.sweep && !c.sweep->key.empty() && !c.sweep->values.empty()) {
      try {
        (void)mnemo::io::with_value(c, c.sweep->key, c.sweep->values.front());
      } catch (const mnemo::io::InputError&) {
      }
    }
  } catch (const mnemo::io::InputError&) {
    // the expected outcome for bad input
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_config: escaped exception (would exit 1, not 2): %s\n", e.what());
    std::abort();
  }
  return 0;
}
