#include "mnemo/analysis/discrete_recall.hpp"

#include "mnemo/dynamics/threads.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::analysis {
DiscreteRecallOptions discrete_options(const dynamics::IntegrateOptions& o, std::uint64_t seed) {
  DiscreteRecallOptions d;
  d.max_iterations = std::max(1L, static_cast<long>(std::floor(std::min(o.t_end, 1e9))));
  d.save_every = std::max(1L, static_cast<long>(std::llround(std::min(o.dt_save, 1e9))));
  d.threads = o.threads;
  d.seed = seed;
  return d;
}

double symbol_error_rate(const Eigen::Ref<const Vector>& state, const Eigen::Ref<const Vector>& target) {
  if (state.size() == 0) return 0.0;
  return static_cast<double>(((state - target).array().abs() > 0.5).count()) / static_cast<double>(state.size());
}

DiscreteRecallResult simulate_discrete(const models::DiscreteMemory& memory, const Matrix& cues,
                                       const Eigen::VectorXi& targets, const DiscreteRecallOptions& options,
                                       TrajectorySink* sink, const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  const Eigen::Index B = cues.rows(), N = cues.cols();
  const int nthreads = dynamics::thread_count(options.threads);
  DiscreteRecallResult out;
  SimulationResult& res = out.simulation;
  dynamics::EnsembleResult& ens = res.ensemble;
  ens.time = dynamics::save_grid(0.0, static_cast<double>(options.max_iterations), static_cast<double>(options.save_every));
  ens.t_stop = Vector::Constant(B, static_cast<double>(options.max_iterations));
  ens.status.assign(static_cast<std::size_t>(B), dynamics::Status::running);
  ens.rhs_evaluations.assign(static_cast<std::size_t>(B), 0);
  ens.steps.assign(static_cast<std::size_t>(B), 0);
  if (sink) sink->begin(ens.time, B, {});

  std::vector<std::unique_ptr<models::DiscreteRecall>> recalls(static_cast<std::size_t>(B));
  std::vector<long> done(static_cast<std::size_t>(B), 0);
  Matrix readout(B, N);
  Vector energy(B), previous(B);
  EnergyAudit& audit = res.audit;
  audit.applicable = memory.objective_never_rises();
  for (Eigen::Index k = 0; k < ens.time.size(); ++k) {
    const long target_iteration = std::lround(ens.time[k]);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (Eigen::Index b = 0; b < B; ++b) {
      auto& r = recalls[static_cast<std::size_t>(b)];
      if (!r) r = memory.recall(cues.row(b).transpose(), models::recall_rng(options.seed, b));
      long& n = done[static_cast<std::size_t>(b)];
      while (n < target_iteration && !r->converged()) {
        r->step();
        ++n;
      }
      readout.row(b) = r->state().transpose();
      energy[b] = r->objective();
    }
    if (k == 0) {
      res.initial_readout = readout;
      res.initial_energy = energy;
    } else {
      for (Eigen::Index b = 0; b < B; ++b) {
        const double rise = energy[b] - previous[b];
        const double tolerance = 1e-9 * (1.0 + std::abs(previous[b]));
        audit.tolerance = std::max(audit.tolerance, tolerance);
        if (rise > audit.max_increase) {
          audit.max_increase = rise;
          audit.worst_trajectory = b;
          audit.worst_time = ens.time[k];
        }
        if (audit.applicable && rise > tolerance) ++audit.violations;
      }
    }
    previous = energy;
    if (sink) sink->save(k, ens.time[k], readout, energy, {});
    if ((cancel && cancel->load()) || (sink && !sink->keep_going())) {
      ens.interrupted = true;
      break;
    }
  }
  for (Eigen::Index b = 0; b < B; ++b) {
    const auto i = static_cast<std::size_t>(b);
    const bool converged = recalls[i] && recalls[i]->converged();
    ens.status[i] = ens.interrupted && !converged ? dynamics::Status::interrupted
                    : converged                   ? dynamics::Status::converged
                                                  : dynamics::Status::reached_end;
    if (converged) ens.t_stop[b] = static_cast<double>(done[i]);
    ens.steps[i] = ens.rhs_evaluations[i] = done[i];
    res.rhs_evaluations += done[i];
  }
  ens.final_state = readout;
  res.final_readout = readout;
  res.final_energy = energy;
  res.recall = score_recall(memory.memories(), readout, targets);

  out.symbol_error_rate.resize(B);
  out.cue_error_rate.resize(B);
  long wrong_patterns = 0;
  for (Eigen::Index b = 0; b < B; ++b) {
    const Vector target = memory.memories().row(targets[b]).transpose();
    out.symbol_error_rate[b] = symbol_error_rate(readout.row(b).transpose(), target);
    out.cue_error_rate[b] = symbol_error_rate(cues.row(b).transpose(), target);
    wrong_patterns += out.symbol_error_rate[b] > 0.0;
  }
  if (B > 0) {
    out.mean_symbol_error_rate = out.symbol_error_rate.mean();
    out.mean_cue_error_rate = out.cue_error_rate.mean();
    out.pattern_error_rate = static_cast<double>(wrong_patterns) / static_cast<double>(B);
  }
  if (!ens.interrupted) out.kind_metrics = memory.recall_metrics(cues, readout, targets);
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace mnemo::analysis
