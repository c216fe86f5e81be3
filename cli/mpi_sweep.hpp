#pragma once
// `mpirun -n P mnemo sweep`: dynamic load balancing of grid points over ranks (docs/scaling.md).
// Rank 0 hands out one point at a time to every other rank and writes every row to the one sweep
// file as it arrives; in jobs of up to 8 ranks it also computes points itself, answering requests
// while its own point integrates (between saved time slices). A row is plain numbers (io::SweepRow), sent whole.
// Every point's result depends on its config and seed only, never on the rank that computed it.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "mpi_session.hpp"
#include "mnemo/io/sweep_file.hpp"

namespace mnemo::cli::mpi {

// Computes the row of grid point p, calling `service` now and then (between saved time slices);
// nullopt when a signal interrupted it.
using ComputePoint = std::function<std::optional<io::SweepRow>(Eigen::Index p, const std::function<void()>& service)>;
using KeepRow = std::function<void(Eigen::Index p, io::SweepRow&& row, int rank)>;

// Rank 0 of a job of more than one rank. `points` lists the grid points still to compute, in the
// order they are handed out (most expensive first balances best: longest processing time first);
// `keep` receives each row (in completion order) on rank 0. A signal or a failed point ends the
// whole job (MPI_Abort) after one error line naming `out` and a call of `save` (flush the file).
void lead_sweep(const Session& session, const std::vector<Eigen::Index>& points, const ComputePoint& compute,
                const KeepRow& keep, const std::function<void()>& save, const std::atomic<bool>& stop,
                const std::string& out);
// Every other rank: computes the points rank 0 hands out until it says stop.
void serve_sweep(const Session& session, const ComputePoint& compute, const std::atomic<bool>& stop,
                 const std::string& out);

std::vector<char> pack_row(long long point, const io::SweepRow& row);
io::SweepRow unpack_row(const std::vector<char>& bytes, long long& point);

}  // namespace mnemo::cli::mpi
