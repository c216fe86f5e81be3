#include "mnemo/analysis/recall.hpp"

namespace mnemo::analysis {

Vector cosine_overlaps(const Matrix& memories, const Eigen::Ref<const Vector>& state) {
  const double ns = state.norm();
  Vector m = memories * state;
  for (Eigen::Index k = 0; k < m.size(); ++k) {
    const double d = memories.row(k).norm() * ns;
    m[k] = d > 0.0 ? m[k] / d : 0.0;
  }
  return m;
}

RecallResult score_recall(const Matrix& memories, const Matrix& finals, const Eigen::VectorXi& targets) {
  const Eigen::Index B = finals.rows();
  RecallResult r;
  r.target = targets;
  r.nearest.resize(B);
  r.overlap.resize(B);
  Eigen::Index hits = 0;
  for (Eigen::Index b = 0; b < B; ++b) {
    const Vector m = cosine_overlaps(memories, finals.row(b).transpose());
    Eigen::Index best = 0;
    m.maxCoeff(&best);
    r.nearest[b] = static_cast<int>(best);
    r.overlap[b] = m[targets[b]];
    hits += (best == targets[b]);
  }
  r.recall_rate = B ? static_cast<double>(hits) / static_cast<double>(B) : 0.0;
  r.mean_overlap = B ? r.overlap.mean() : 0.0;
  return r;
}

}  // namespace mnemo::analysis
