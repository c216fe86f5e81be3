#pragma once
// Recall quality: how close each final state is to the memories, as cosine overlaps in [-1, 1]
// (for +-1 patterns the usual Hopfield overlap m = (1/N) xi . s when s is +-1 too).
#include <Eigen/Dense>

namespace mnemo::analysis {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;

// Cosine of the angle between `state` and every row of `memories` (0 where a norm is 0).
Vector cosine_overlaps(const Matrix& memories, const Eigen::Ref<const Vector>& state);

struct RecallResult {
  Eigen::VectorXi target;   // B
  Eigen::VectorXi nearest;  // B: memory of largest overlap with the final state
  Vector overlap;           // B: overlap of the final state with its target
  double recall_rate = 0.0; // fraction with nearest == target
  double mean_overlap = 0.0;
};

RecallResult score_recall(const Matrix& memories, const Matrix& final_states, const Eigen::VectorXi& targets);

}  // namespace mnemo::analysis
