#pragma once
// The analysis `mnemo analyze` runs on a finished run (issue 5, item 7): fixed points from the
// trajectories' end points, the stored memories themselves, and random symmetric mixtures of
// memories (exact, for saddles and mixture states: Newton converges to the nearest root whatever
// its stability; noisy and relaxed along the flow, for attractors), refined and merged (analysis/fixed_points.hpp), each
// labelled stable / saddle / marginal with its index, flat dimension and spectra
// (analysis/stability.hpp). The energy audit of the stored trajectories is analysis/lyapunov.hpp.
#include <cstdint>
#include <vector>

#include "mnemo/analysis/fixed_points.hpp"
#include "mnemo/analysis/stability.hpp"

namespace mnemo::analysis {

struct AnalysisOptions {
  AnalysisOptions() { fixed_points.speed_iterations = 100; }  // slow points: a bounded search
  Eigen::Index max_end_points = 200;  // trajectory end points used as candidates (the first ones)
  bool memory_starts = true;          // every stored memory (as a cue) is a candidate too
  Eigen::Index random_starts = 32;    // random symmetric mixtures: exact ones refined by Newton
                                      // (saddles, mixture states) and noisy ones relaxed first
  double start_noise = 0.1;           // noise of the relaxed starts (random_starts())
  std::uint64_t seed = 1;
  double relax_time = 20.0;
  FixedPointOptions fixed_points;
  StabilityOptions stability;
  int threads = 0;
};

struct FixedPointAnalysis {
  std::vector<FixedPoint> points;
  std::vector<StabilityResult> stability;  // one per point (slow points too)
  Eigen::Index candidates = 0;
  // Counts over fixed points (status fixed_point).
  Eigen::Index fixed_points = 0, slow_points = 0, stable = 0, saddles = 0, marginal = 0, unknown = 0;
  Eigen::Index memories_found = 0;         // distinct memories with a fixed point of kind memory
  Eigen::Index memories_found_stable = 0;  // ... that is stable
  Eigen::Index kind_counts[5] = {0, 0, 0, 0, 0};  // by PointKind
};

// `end_states`: integrated states where the stored trajectories stopped (B x n).
FixedPointAnalysis analyze_fixed_points(const models::Model& model, const Matrix& end_states,
                                        const AnalysisOptions& options = {});

}  // namespace mnemo::analysis
