#pragma once
// `mnemo analyze`'s side of the run file (docs/hdf5-schema.md, section "/analysis"): reading a
// finished run back into a model and its trajectories' integrated states, and writing the results
// under /analysis with the root attribute `complete` = 0 while it is being written.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mnemo/analysis/analyze.hpp"
#include "mnemo/analysis/lyapunov.hpp"

namespace mnemo::io {

struct RunForAnalysis {
  std::string path;
  std::shared_ptr<const models::Model> model;
  std::uint64_t seed = 0;
  analysis::Vector time;     // T
  analysis::Matrix energy;   // B x T as stored
  analysis::Vector t_stop;   // B
  double energy_tolerance = 0.0;  // the run's own (attribute of /trajectories), or 10 rtol (1 + |E|) + 10 atol
  Eigen::Index trajectories = 0;
  analysis::Matrix final_states;  // B x n integrated states at the last save
  // Integrated states of trajectory b at every saved time (T x n), read from the file on demand.
  // Holds the file open (read-only): reset it before write_analysis.
  std::function<analysis::Matrix(Eigen::Index)> states;
};

// Throws InputError naming the file and what is wrong: not a mnemo file, incomplete, no
// /trajectories, a discrete-time model, a /model attribute its kind rejects, a layer whose state
// cannot be reconstructed.
RunForAnalysis read_run_for_analysis(const std::string& path);

struct AnalysisRecord {
  std::string options;  // the analysis options in words (an attribute of /analysis)
  const analysis::FixedPointAnalysis* fixed_points = nullptr;
  const analysis::LyapunovAudit* audit = nullptr;
  Eigen::Index eigenvalues = 10;  // columns of the eigenvalue tables
};

// Replaces /analysis: sets `complete` = 0, writes /analysis_partial, deletes any old /analysis,
// renames, then sets `complete` = 1 and flushes. A failure on the way (disk full, file size limit)
// removes what was half written and sets `complete` = 1 again before throwing; only a process
// killed in the middle leaves `complete` = 0 (the file then reads as incomplete, never as complete
// with a half-written /analysis).
void write_analysis(const std::string& path, const AnalysisRecord& record);

}  // namespace mnemo::io
