#pragma once
// The sweep file of contract section 4 (`mnemo sweep`): the root attributes of a run file, the
// base config's model as `/model` attributes, and one row per grid point under `/sweep`, written
// as each point finishes (the root attribute `complete` = 1 only after the last row and the
// basin tables are flushed). Layout: docs/hdf5-schema.md, section "Sweep files".
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/analysis/basins.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/models/catalogue.hpp"

namespace mnemo::io {

struct SweepHeader {
  std::string config_text;       // the base config as given
  std::uint64_t seed = 0;
  std::string key;               // dotted config key
  std::vector<double> values;    // P grid values, in order
  models::ModelSpec model;       // the base config's model (defaults filled in)
  std::string memories_source;   // the base config's memories, in words
  Eigen::Index queries = 0;      // B at every point, or 0 when it varies (no per-query tables)
  double recall_overlap = 0.9;   // threshold of the `retrieved` label (analysis/basins.hpp)
};

// A number per grid point beyond the contract's rows, written as /sweep/NAME (P float64).
struct SweepMetric {
  std::string name;
  double value = 0.0;
  std::string description;
};

// One grid point's outcome.
struct SweepPoint {
  Eigen::Index memories = 0;     // K at this point
  Eigen::Index dim = 0;          // N at this point
  const analysis::SimulationResult* result = nullptr;
  std::vector<analysis::AttractorLabel> labels;  // one per query
  double exact_rate = 0.0;       // fraction of queries recalled without a sign error
  // Kind-specific numbers (discrete kinds: the papers' symbol error rates); the dataset of a
  // name is made at the first point that has it, so every point of a sweep should carry it.
  std::vector<SweepMetric> metrics = {};
};

// A grid point's row of every /sweep dataset as plain numbers, so that one process can compute it
// and another write it (`mpirun ... mnemo sweep` sends rows to rank 0; cli/mpi_sweep.cpp).
struct SweepRow {
  double recall_rate = 0, mean_overlap = 0, retrieval_rate = 0, exact_rate = 0;
  std::vector<double> attractors;  // counts per attractor kind
  double mean_final_energy = 0, mean_energy_drop = 0, converged_fraction = 0;
  double failed = 0, rhs_evaluations = 0, energy_max_increase = 0, energy_violations = 0;
  double wall_seconds = 0, memory_count = 0, dimension = 0;
  std::vector<double> overlap, target, nearest, attractor;  // per query (B each)
  std::vector<SweepMetric> metrics;
};
SweepRow sweep_row(const SweepPoint& point);

// Every numeric field of a row, in one fixed order (for packing it into a message).
template <class Row, class F>
void for_each_number(Row& r, F&& f) {
  for (auto* x : {&r.recall_rate, &r.mean_overlap, &r.retrieval_rate, &r.exact_rate, &r.mean_final_energy,
                  &r.mean_energy_drop, &r.converged_fraction, &r.failed, &r.rhs_evaluations,
                  &r.energy_max_increase, &r.energy_violations, &r.wall_seconds, &r.memory_count, &r.dimension})
    f(*x);
}
template <class Row, class F>
void for_each_vector(Row& r, F&& f) {
  for (auto* v : {&r.attractors, &r.overlap, &r.target, &r.nearest, &r.attractor}) f(*v);
}

class SweepWriter {
 public:
  // Creates (truncates) the file: root attributes with complete = 0, /model, /sweep/values and
  // the per-point datasets (P rows each).
  SweepWriter(const std::string& path, const SweepHeader& header);
  // `mnemo sweep --resume`: opens the incomplete sweep file at `path` for writing; bad input
  // (InputError) unless it is a sweep file, not complete, of the same config text and grid.
  struct Resume {};
  SweepWriter(const std::string& path, const SweepHeader& header, Resume);
  ~SweepWriter();
  SweepWriter(const SweepWriter&) = delete;
  SweepWriter& operator=(const SweepWriter&) = delete;

  void write_point(Eigen::Index p, const SweepPoint& point);  // row p, flushed
  // Row p, marked done with its checksum and the MPI rank that computed it, flushed.
  void write_row(Eigen::Index p, const SweepRow& row, int rank = 0);
  // The rows already written (resume): row p when /sweep/done[p] = 1 and its stored values hash to
  // /sweep/checksum[p]; nullopt otherwise (never written, or torn by a crash: computed again).
  std::vector<std::optional<SweepRow>> stored_rows();
  // Recall probability vs cue distance per memory (sweeps over queries.level): /sweep/basins.
  void write_basins(const analysis::BasinTable& table);
  void flush();   // rows are flushed at most a second after they are written, and by this
  void finish();  // complete = 1, flushed
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo::io
