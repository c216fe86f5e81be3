#pragma once
// `mpirun -n P mnemo run`: the trajectories of one ensemble split over MPI ranks (docs/scaling.md).
// Every rank prepares the same memories, model and cues from the config; rank 0 hands out batches
// of consecutive trajectories (dynamic load balancing, like cli/mpi_sweep.hpp), receives each
// batch's saved slices and per-trajectory results, and alone writes the one run file. A
// trajectory's bits depend on its index only (its cue, and with [noise] its noise stream, are
// keyed by trajectory index, never by rank or batch), and rank 0 recomputes the ensemble-wide
// numbers (energy audit, recall scores) exactly as one process does, so the file holds the same
// bits for any P (the `created` and `wall_seconds` attributes excepted).
#include "commands.hpp"

namespace mnemo::cli {

// Called by run() when an MPI launcher started more than one process.
int run_over_ranks(const RunOptions& options);

}  // namespace mnemo::cli
