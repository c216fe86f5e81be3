#pragma once
// The steps every command shares between reading a config and integrating: memories from their
// source, the catalogue model, the seeded cues. `run` writes one file from them; `sweep` repeats
// them once per grid point.
#include "mnemo/io/config.hpp"
#include "mnemo/io/datasets.hpp"

namespace mnemo::cli {

struct Prepared {
  io::RunConfig config;
  io::Memories memories;
  models::Model model;
  models::Cues cues;
};

// Throws io::InputError (exit 2) naming the config file and key on any bad input.
Prepared prepare(io::RunConfig config);

}  // namespace mnemo::cli
