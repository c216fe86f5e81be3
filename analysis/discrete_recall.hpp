#pragma once
// Recall with a discrete-time memory (models/discrete_memory.hpp): B cues, each advanced one
// iteration at a time, streamed to the same TrajectorySink as the ODE simulation so that
// `mnemo run` writes the contract's file for these kinds too. In that file
//   /trajectories/time    the iteration index (0 = the cue; one iteration = one round over the
//                         clusters (karbasi) or one asynchronous sweep (savin)),
//   /trajectories/energy  the algorithm's objective after that many iterations (karbasi: number of
//                         violated constraint neurons; savin: the decoder's negative
//                         log-posterior up to a constant),
//   /trajectories/t_stop  the iteration at which a query converged (or the last one),
// and the paper's metric, the symbol (bit) error rate, comes besides the contract's overlaps.
#include <atomic>
#include <cstdint>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::analysis {

struct DiscreteRecallOptions {
  long max_iterations = 20;  // [integrate] t_end, rounded down (at least 1)
  long save_every = 1;       // [integrate] dt_save, rounded (at least 1); the last iteration is always saved
  int threads = 0;           // 0: all cores
  std::uint64_t seed = 1;    // query b's randomness: models::recall_rng(seed, b)
};
// The reading of [integrate] for discrete kinds described above.
DiscreteRecallOptions discrete_options(const dynamics::IntegrateOptions& integrate, std::uint64_t seed);

struct DiscreteRecallResult {
  // Contract fields: ensemble (time = iteration grid, t_stop, status converged/reached_end,
  // steps = rhs_evaluations = iterations done), readouts, objectives, cosine recall scores.
  SimulationResult simulation;
  Vector symbol_error_rate;  // B: fraction of entries of the final state != the target's
  Vector cue_error_rate;     // B: the same for the cue
  double mean_symbol_error_rate = 0.0;
  double mean_cue_error_rate = 0.0;
  double pattern_error_rate = 0.0;  // fraction of queries whose final state differs anywhere
  std::vector<models::DiscreteMetric> kind_metrics;  // DiscreteMemory::recall_metrics (entropic: precision, recall)
};

// Fraction of entries that differ (|a - b| > 0.5: the alphabets are integers).
double symbol_error_rate(const Eigen::Ref<const Vector>& state, const Eigen::Ref<const Vector>& target);

DiscreteRecallResult simulate_discrete(const models::DiscreteMemory& memory, const Matrix& cues,
                                       const Eigen::VectorXi& targets, const DiscreteRecallOptions& options,
                                       TrajectorySink* sink = nullptr, const std::atomic<bool>* cancel = nullptr);

}  // namespace mnemo::analysis
