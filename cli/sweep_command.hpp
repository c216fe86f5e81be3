#pragma once
// `mnemo sweep CONFIG.toml`: one run of the config per value of [sweep] key, same seed, one row
// per value in the sweep file (io/sweep_file.hpp).
#include <string>

namespace mnemo::cli {

struct SweepOptions {
  std::string config;
  std::string out;  // empty: [output].path
  int threads = 0;
  bool quiet = false;
  bool resume = false;  // finish an incomplete sweep file: only the points it lacks
};

int sweep(const SweepOptions& options);

}  // namespace mnemo::cli
