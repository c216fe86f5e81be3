#include "resume_command.hpp"

#include <cstdio>
#include <iostream>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/run_file.hpp"
#include "mnemo/io/run_resume.hpp"

namespace mnemo::cli {
namespace {

using analysis::Matrix;
using analysis::Vector;

// Receives the slices of the trajectories integrated again (rows `redo` of the run) and writes
// whole slices: the finished trajectories' rows read from the old file up to the last slice they
// need, then held (a stopped trajectory's later rows hold its last state, dynamics/ensemble.hpp).
// The energy audit is the one analysis::simulate's observer computes, over all B trajectories.
class MergeSink final : public analysis::TrajectorySink {
 public:
  MergeSink(io::RunWriter& writer, io::RunResumeSource& source, const std::vector<Eigen::Index>& redo,
            const dynamics::IntegrateOptions& options, Eigen::Index B, Eigen::Index N, const models::Network& net,
            const std::atomic<bool>& stop)
      : writer_(writer), source_(source), redo_(redo), options_(options), B_(B), N_(N), net_(net), stop_(stop) {}

  void begin(const Vector& time, Eigen::Index, const std::vector<std::string>& layer_names) override {
    source_.check_layers(layer_names);
    writer_.begin(time, B_, layer_names);
    readout_.setZero(B_, N_);
    energy_.setZero(B_);
    layers_.clear();
    for (const std::string& name : layer_names)
      for (const auto& L : net_.layers())
        if (L.name == name) layers_.emplace_back(Matrix::Zero(B_, L.size));
    audit.applicable = !options_.noise.enabled;
  }

  void save(Eigen::Index k, double t, const Matrix& readout, const Vector& energy,
            const std::vector<Matrix>& layers) override {
    if (k <= source_.last_needed_slice()) {
      Matrix r(B_, N_);
      Vector e(B_);
      std::vector<Matrix> l = layers_;
      source_.read_slice(k, r, e, l);
      for (Eigen::Index b = 0; b < B_; ++b) {
        if (!source_.finished()[static_cast<std::size_t>(b)]) continue;
        readout_.row(b) = r.row(b);
        energy_[b] = e[b];
        for (std::size_t i = 0; i < l.size(); ++i) layers_[i].row(b) = l[i].row(b);
      }
    }
    for (std::size_t j = 0; j < redo_.size(); ++j) {
      const Eigen::Index b = redo_[j], jj = static_cast<Eigen::Index>(j);
      readout_.row(b) = readout.row(jj);
      energy_[b] = energy[jj];
      for (std::size_t i = 0; i < layers.size(); ++i) layers_[i].row(b) = layers[i].row(jj);
    }
    // As in analysis::simulate (analysis/simulate.cpp): tolerance from the t = 0 energies, then
    // every rise E(t_k) - E(t_{k-1}), trajectory by trajectory.
    if (k == 0) {
      initial_readout = readout_;
      initial_energy = energy_;
      audit.tolerance = analysis::energy_tolerance(options_, energy_.cwiseAbs().maxCoeff());
    } else {
      for (Eigen::Index b = 0; b < B_; ++b) {
        const double rise = energy_[b] - previous_[b];
        if (rise > audit.max_increase || audit.worst_trajectory < 0) {
          audit.max_increase = rise;
          audit.worst_trajectory = b;
          audit.worst_time = t;
        }
        if (audit.applicable && rise > audit.tolerance) ++audit.violations;
      }
    }
    previous_ = energy_;
    writer_.save(k, t, readout_, energy_, layers_);
    ++saved_;
  }
  bool keep_going() override { return !stop_.load(); }

  const Matrix& readout() const { return readout_; }
  const Vector& energy() const { return energy_; }
  Eigen::Index saved() const { return saved_; }
  analysis::EnergyAudit audit;
  Matrix initial_readout;
  Vector initial_energy;

 private:
  io::RunWriter& writer_;
  io::RunResumeSource& source_;
  const std::vector<Eigen::Index>& redo_;
  dynamics::IntegrateOptions options_;
  Eigen::Index B_, N_;
  const models::Network& net_;
  const std::atomic<bool>& stop_;
  Matrix readout_;
  Vector energy_, previous_;
  std::vector<Matrix> layers_;
  Eigen::Index saved_ = 0;
};

}  // namespace

int resume_run(const RunOptions& opt, Prepared& p, const std::atomic<bool>& stop) {
  const io::RunConfig& cfg = p.config;
  const std::string& out = cfg.output_path;
  io::RunResumeSource source(out, cfg.text, cfg.seed);  // refuses complete files and other configs
  if (p.discrete)
    throw io::InputError(out + ": discrete-time kind '" + cfg.model.kind +
                         "' runs cannot be resumed; run again without --resume (same seed, same bits)");
  const Eigen::Index B = p.cues.cues.rows(), N = p.model.network.readout_size();
  const Vector time = dynamics::save_grid(cfg.integrate.t0, cfg.integrate.t_end, cfg.integrate.dt_save);
  // A noisy trajectory's increments depend on its index in the ensemble: all are integrated again.
  source.expect(time, B, N, !cfg.integrate.noise.enabled);
  std::vector<Eigen::Index> redo;
  for (Eigen::Index b = 0; b < B; ++b)
    if (!source.finished()[static_cast<std::size_t>(b)]) redo.push_back(b);
  // All finished (interrupted after the last slice): trajectory 0 is integrated again, so that the
  // slices stream as in any other resume (its rows are then the same bits as the file's).
  if (redo.empty() && B > 0) redo.push_back(0);

  const std::string tmp = out + ".resume";
  io::RunHeader header{cfg.text, cfg.seed, cfg.integrate, p.memories.description};
  bool interrupted = false;
  analysis::SimulationResult res;
  {
    io::RunWriter writer(tmp, header, p.model, p.cues.cues, p.cues.targets);
    MergeSink sink(writer, source, redo, cfg.integrate, B, N, p.model.network, stop);
    Matrix cues(static_cast<Eigen::Index>(redo.size()), p.cues.cues.cols());
    Eigen::VectorXi targets(static_cast<Eigen::Index>(redo.size()));
    for (std::size_t j = 0; j < redo.size(); ++j) {
      cues.row(static_cast<Eigen::Index>(j)) = p.cues.cues.row(redo[j]);
      targets[static_cast<Eigen::Index>(j)] = p.cues.targets[redo[j]];
    }
    analysis::SimulationResult part = analysis::simulate(p.model, cues, targets, cfg.integrate, &sink, &stop);
    interrupted = part.ensemble.interrupted || sink.saved() < time.size();

    dynamics::EnsembleResult& e = res.ensemble;
    e.time = time;
    e.interrupted = interrupted;
    e.t_stop.resize(B);
    e.status.resize(static_cast<std::size_t>(B));
    e.rhs_evaluations.resize(static_cast<std::size_t>(B));
    e.steps.resize(static_cast<std::size_t>(B));
    for (Eigen::Index b = 0; b < B; ++b) {
      const auto g = static_cast<std::size_t>(b);
      if (source.finished()[g]) {
        e.t_stop[b] = source.t_stop(b);
        e.status[g] = static_cast<dynamics::Status>(source.status(b));
        e.rhs_evaluations[g] = static_cast<long>(source.rhs_evaluations(b));
        e.steps[g] = static_cast<long>(source.steps(b));
      }
    }
    for (std::size_t j = 0; j < redo.size(); ++j) {
      const auto g = static_cast<std::size_t>(redo[j]);
      e.t_stop[redo[j]] = part.ensemble.t_stop[static_cast<Eigen::Index>(j)];
      e.status[g] = part.ensemble.status[j];
      e.rhs_evaluations[g] = part.ensemble.rhs_evaluations[j];
      e.steps[g] = part.ensemble.steps[j];
    }
    if (interrupted)
      for (auto& s : e.status)
        if (s == dynamics::Status::running) s = dynamics::Status::interrupted;
    res.initial_readout = sink.initial_readout;
    res.initial_energy = sink.initial_energy;
    res.final_readout = sink.readout();
    res.final_energy = sink.energy();
    res.audit = sink.audit;
    res.recall = analysis::score_recall(p.model.memories, res.final_readout, p.cues.targets);
    for (long x : e.rhs_evaluations) res.rhs_evaluations += x;
    res.wall_seconds = part.wall_seconds;
    writer.finish(res);
  }
  if (interrupted) {
    std::remove(tmp.c_str());
    std::cerr << "mnemo: error: " << out << ": resume interrupted by a signal; the file is unchanged and can be resumed "
              << "again\n";
    return 1;
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(out + ": cannot replace the file with the resumed run");
  }
  if (!opt.quiet)
    std::cout << "mnemo run --resume: " << source.finished_count() << " of " << B
              << " trajectories taken from " << out << ", " << (B - source.finished_count()) << " integrated again"
              << (source.why_nothing_finished().empty() ? "" : " (" + source.why_nothing_finished() + ")") << "\n"
              << "  recall success rate   " << 100.0 * res.recall.recall_rate << " %\n"
              << "  written               " << out << "\n";
  return 0;
}

}  // namespace mnemo::cli
