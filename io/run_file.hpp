#pragma once
// The run file of contract section 4: written as the run goes (one time slice per save, chunked
// and compressed), with the root attribute `complete` = 0 until everything is written and
// flushed. Read back for `mnemo info`.
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/hdf5.hpp"
#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::io {

struct RunHeader {
  std::string config_text;
  std::uint64_t seed = 0;
  dynamics::IntegrateOptions integrate;
  std::string memories_source;  // where the memories came from, in words
  // Discrete-time kinds (karbasi, savin): /model gets their structure and derived attributes,
  // /trajectories/time is the iteration index (analysis/discrete_recall.hpp).
  const models::DiscreteMemory* discrete = nullptr;
};

class RunWriter final : public analysis::TrajectorySink {
 public:
  // Creates (truncates) the file and writes the header, the model and the cues; complete = 0.
  RunWriter(const std::string& path, const RunHeader& header, const models::Model& model,
            const analysis::Matrix& cues, const Eigen::VectorXi& targets);
  void begin(const analysis::Vector& time, Eigen::Index trajectories, const std::vector<std::string>& layer_names) override;
  void save(Eigen::Index k, double t, const analysis::Matrix& readout, const analysis::Vector& energy,
            const std::vector<analysis::Matrix>& layers) override;
  // The same for trajectories first .. first + readout.rows() - 1 only (one batch of an ensemble
  // split over MPI ranks, cli/mpi_run.cpp); the file's bits do not depend on the order of batches.
  void save_rows(Eigen::Index first, Eigen::Index k, const analysis::Matrix& readout, const analysis::Vector& energy,
                 const std::vector<analysis::Matrix>& layers);
  void flush();  // what is written so far reaches the file (complete stays 0)
  // Final states, recall table and audit; then complete = 1 and flush. An interrupted result
  // is written too but leaves complete = 0.
  void finish(const analysis::SimulationResult& result);
  // Before finish(): a per-query dataset /recall/NAME (B values) beyond the contract's, e.g. the
  // symbol_error_rate of discrete kinds, and a number as /recall attribute NAME.
  void add_recall(const std::string& name, const analysis::Vector& values, const std::string& description);
  void add_recall_attribute(const std::string& name, double value);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  h5::Handle file_, trajectories_, state_, energy_;
  const models::Network* network_;
  std::vector<h5::Handle> layers_;
  Eigen::Index B_ = 0, T_ = 0, N_ = 0;
  bool discrete_ = false;
};

// What a file holds, checked: throws InputError naming the file and what is wrong (not HDF5,
// truncated, incomplete, missing datasets, inconsistent shapes).
struct FileInfo {
  std::string schema_version, mnemo_version, created, kind;
  std::int64_t seed = 0;
  bool complete = false;
  std::vector<std::string> lines;  // one per dataset: "path  shape  type"
  std::vector<std::string> attributes;  // a few "name = value" lines of interest
};
FileInfo inspect_file(const std::string& path, bool require_complete = true);

}  // namespace mnemo::io
