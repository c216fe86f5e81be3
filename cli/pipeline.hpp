#pragma once
// The steps every command shares between reading a config and integrating: memories from their
// source, the catalogue model, the seeded cues. `run` writes one file from them; `sweep` repeats
// them once per grid point.
#include "mnemo/io/config.hpp"
#include "mnemo/io/datasets.hpp"
#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::cli {

struct Prepared {
  io::RunConfig config;
  io::Memories memories;
  models::Model model;
  models::Cues cues;
  // Discrete-time kinds (karbasi, savin; models/discrete_memory.hpp) recall with this instead of
  // integrating `model`, whose spec and memories are then the kind's and whose Network is a
  // one-layer placeholder of the state size, never integrated. Run it with
  // analysis::simulate_discrete (analysis/discrete_recall.hpp), not analysis::simulate.
  std::shared_ptr<const models::DiscreteMemory> discrete = nullptr;
};

// Throws io::InputError (exit 2) naming the config file and key on any bad input. Dispatches
// discrete kinds to prepare_discrete.
Prepared prepare(io::RunConfig config);
// Discrete kinds: [memories] source = "model", count and dim set the kind's sizes; [queries]
// count cues, corruption "flip" only, level = expected fraction of wrong entries
// (cli/discrete_pipeline.cpp; docs/models/karbasi.md, docs/models/savin.md).
Prepared prepare_discrete(io::RunConfig config);

}  // namespace mnemo::cli
