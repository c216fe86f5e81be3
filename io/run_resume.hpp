#pragma once
// Reading an interrupted run file back to resume it (`mnemo run CONFIG --resume`,
// docs/reliability.md "Resume"). A run stopped by SIGINT/SIGTERM finishes its file with
// complete = 0 and then marks it `resumable` = 1 (mark_resumable); only such a file's per-trajectory
// results are trusted. A trajectory that had finished (converged, reached t_end or failed) is
// taken from the file: its saved rows up to t_stop, held after t_stop as the ensemble holds them.
// Every other trajectory is computed again from t = 0 (its bits do not depend on the batch).
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/hdf5.hpp"

namespace mnemo::io {

// After RunWriter::finish of an interrupted run: everything is flushed, so the saved slices
// and the per-trajectory datasets can be trusted; root attribute `resumable` = 1, flushed.
void mark_resumable(const std::string& path);

class RunResumeSource {
 public:
  // Refuses (InputError, one line naming the file) a file that is not a mnemo run file, is
  // complete, or was written by another config (config text or seed differ). A file whose
  // per-trajectory results cannot be trusted (killed, not interrupted) opens with nothing finished.
  RunResumeSource(const std::string& path, const std::string& config_text, std::uint64_t seed);
  // time, B and N are what the resumed run will write; a file whose grid or shapes differ has
  // nothing finished (nor has any with reuse = false).
  void expect(const analysis::Vector& time, Eigen::Index B, Eigen::Index N, bool reuse = true);
  // The integrated layers the run saves (TrajectorySink::begin); throws InputError when finished
  // trajectories must be read from a file whose layer datasets do not match.
  void check_layers(const std::vector<std::string>& layer_names);

  // Per trajectory: finished in the file (only after expect()).
  const std::vector<bool>& finished() const { return finished_; }
  Eigen::Index finished_count() const;
  // The last slice index any finished trajectory needs from the file (-1: none).
  Eigen::Index last_needed_slice() const { return last_needed_; }
  double t_stop(Eigen::Index b) const { return t_stop_[static_cast<std::size_t>(b)]; }
  std::int64_t status(Eigen::Index b) const { return status_[static_cast<std::size_t>(b)]; }
  std::int64_t rhs_evaluations(Eigen::Index b) const { return rhs_[static_cast<std::size_t>(b)]; }
  std::int64_t steps(Eigen::Index b) const { return steps_[static_cast<std::size_t>(b)]; }
  // Slice k of every trajectory as saved in the file: readout B x N, energy B, layers B x size.
  void read_slice(Eigen::Index k, analysis::Matrix& readout, analysis::Vector& energy,
                  std::vector<analysis::Matrix>& layers) const;
  const std::string& why_nothing_finished() const { return why_; }

 private:
  std::string path_, why_;
  h5::Handle file_;
  bool resumable_ = false;
  std::vector<bool> finished_;
  std::vector<double> t_stop_;
  std::vector<std::int64_t> status_, rhs_, steps_;
  std::vector<std::string> layer_names_;
  Eigen::Index last_needed_ = -1, B_ = 0;
};

}  // namespace mnemo::io
